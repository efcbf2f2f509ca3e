using System.Diagnostics;

namespace Payments.Load.Chaos;

/// <summary>
/// Breaks and mends the local stack through <c>run.sh fault ACTION [N]</c>, the script that started it: kill -9 of a consumer
/// instance or the API and their restart, RabbitMQ's app stopped and started on every node, one node stopped and started,
/// PostgreSQL restarted, frozen and thawed.
/// </summary>
public sealed class FaultControl(string script, TextWriter output)
{
    public async Task RunAsync(string action, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("fault");
        foreach (var part in action.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(part);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {script}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var errors = await stderr;
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"run.sh fault {action} exited {process.ExitCode}: {Tail(errors)}");
        }

        await output.WriteLineAsync($"[chaos]   fault: {action}");
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 5)));
    }
}

/// <summary>The portal simulator's fault switch, as a fault step.</summary>
public sealed class Portal(Clients.SimulatorClient simulator, TextWriter output)
{
    public Func<CancellationToken, Task> Set(Clients.PortalFault fault) => async token =>
    {
        await simulator.SetFaultAsync(fault, token);
        await output.WriteLineAsync($"[chaos]   portal: {fault.Mode}");
    };
}
