using Kodiak.Cli;

return await KodiakCli.RunAsync(args, Terminal.System);
