using BenchmarkDotNet.Running;

// bench/micro.sh runs every benchmark here; `dotnet run -c Release --project bench/Micro -- --list flat` lists them.
BenchmarkSwitcher.FromAssembly(typeof(ClaudeBatch.Micro.Samples).Assembly).Run(args);
