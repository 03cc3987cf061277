using ClaudeBatch.Cli;

return await Cbs.RunAsync(args, CliConsole.FromProcess());
