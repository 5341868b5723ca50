using System.CommandLine;

namespace Pluggable.Cli;

/// <summary>
/// The <c>pluggable</c> command. <see cref="Run"/> is the whole program behind
/// <see cref="Main"/>, with the console passed in so tests can run it in-process.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs <c>pluggable</c> with <paramref name="args"/>, writing transcripts and listings to
    /// <paramref name="stdout"/> and diagnostics to <paramref name="stderr"/>. Returns the exit
    /// status: the scenario runner's (0 ok, 1 expectation failed, 2 usage/parse/script error,
    /// 3 timeout), or 2 for any problem with the command line, a plugin or a file.
    /// </summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            // No response files: a scenario file may well be called @something.
            var result = Commands.Build(stdout, stderr).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (result.Errors.Count > 0)
            {
                foreach (var message in UsageErrors.Describe(result))
                    stderr.WriteLine($"pluggable: {message}");
                stderr.WriteLine("Try 'pluggable --help'.");
                return 2;
            }
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            // The one place a failure turns into a message: users get the reason, never a stack trace.
            stderr.WriteLine($"pluggable: {Describe(e)}");
            return 2;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        Hosting.HostingException or PluginKit.KitException or HostKernel.Vm.VmException or IOException or UnauthorizedAccessException => e.Message,
        _ => $"internal error: {e.GetType().Name}: {e.Message}",
    };
}
