using Kodiak.Server;

// dotnet run --project src/Kodiak.Server -- --model MODEL.kodiak [--urls http://127.0.0.1:5000]: the prediction app.
// dotnet run --project src/Kodiak.Server -- --model MODEL.kodiak --data DATA [--urls …]: the cleaner for DATA.
// Any ServeOptions or CleanerOptions property can be given the same way, e.g. --MaxBatchSize 16 --QueueCapacity 64.
try
{
    bool cleaning = args.Any(a => a.Split('=')[0].Equals("--data", StringComparison.OrdinalIgnoreCase));
    var app = cleaning ? KodiakCleaner.Build(args) : KodiakServer.Build(args);
    await app.StartAsync();
    Console.WriteLine((cleaning ? KodiakCleaner.Describe(app) : KodiakServer.Describe(app)) + " (Ctrl+C stops)");
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or Kodiak.Vision.ImageDecodeException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
