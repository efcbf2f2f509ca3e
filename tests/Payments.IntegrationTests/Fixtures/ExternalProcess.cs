using System.Diagnostics;

namespace Payments.IntegrationTests.Fixtures;

/// <summary>Runs a command-line tool (rabbitmqctl, promtool, docker-compose, psql) to its end and hands back what it printed.</summary>
public static class ExternalProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A null value removes the variable from what the tool inherits.
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = process.StandardError.ReadToEndAsync(deadline.Token);
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output + await error);
    }
}
