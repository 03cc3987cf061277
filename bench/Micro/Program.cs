using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// bench/micro.sh runs every benchmark here; `dotnet run -c Release --project bench/Micro -- --list flat` lists them.
// Median and Min next to the Mean: on a shared machine other processes only ever add time, so they move less.
BenchmarkSwitcher.FromAssembly(typeof(ClaudeBatch.Micro.Samples).Assembly)
    .Run(args, DefaultConfig.Instance.AddColumn(StatisticColumn.Median, StatisticColumn.Min));
