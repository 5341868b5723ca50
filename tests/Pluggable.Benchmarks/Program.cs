using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Pluggable.Benchmarks.UserfaultfdBenchmarks).Assembly).Run(args);
