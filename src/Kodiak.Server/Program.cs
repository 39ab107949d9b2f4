using Kodiak.Server;

// dotnet run --project src/Kodiak.Server -- --model MODEL.kodiak [--urls http://127.0.0.1:5000]
// Any ServeOptions property can be given the same way, e.g. --MaxBatchSize 16 --QueueCapacity 64.
try
{
    var app = KodiakServer.Build(args);
    await app.StartAsync();
    Console.WriteLine(KodiakServer.Describe(app) + " (Ctrl+C stops)");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
