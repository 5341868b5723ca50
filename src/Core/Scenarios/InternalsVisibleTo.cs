using System.Runtime.CompilerServices;

// The scenario tests check the lexer, value scanner and formatters directly, not only through whole runs.
[assembly: InternalsVisibleTo("Pluggable.Scenarios.Tests")]
