using Kodiak.Bench;

// One subcommand per benchmark; add a case here and a class beside DecodeBenchmark.
return args.FirstOrDefault() switch
{
    "decode" => DecodeBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        usage: dotnet run -c Release --project bench/Kodiak.Bench -- COMMAND [ARGS]

        commands:
          decode [FOLDER] [--passes N]   images/s decoding to short side 224: scaled JPEG decode
                                         vs full decode + resize. FOLDER holds the JPEGs to use;
                                         default: /usr/share/backgrounds (apt-get install gnome-backgrounds)
                                         re-encoded once as 4096×4096 JPEGs (quality 90) in a temp cache.
        """);
    return 2;
}
