using System.Globalization;

namespace Payments.Load.Load;

/// <summary>
/// CPU time and memory of a running process, read from /proc (Linux). A probe over a command name (PostgreSQL's backends, which
/// come and go with connections) finds its processes anew at every read and counts the CPU of exited children too (a parent's
/// cutime/cstime), so a backend that ended between two reads is not lost; it reports no peak memory, since shared memory would
/// be counted once per process.
/// </summary>
public sealed class ProcessProbe(string name, params int[] pids)
{
    private readonly string? _command;

    private ProcessProbe(string name, string command, int[] pids)
        : this(name, pids) => _command = command;

    private const double ClockTicksPerSecond = 100;

    public string Name { get; } = name;

    public int Pid { get; } = pids[0];

    /// <summary>User plus system CPU seconds the processes have used since they started (those still alive).</summary>
    public double CpuSeconds() => _command is null ? pids.Sum(pid => CpuSeconds(pid, withChildren: false)) : FindPids(_command).Sum(pid => CpuSeconds(pid, withChildren: true));

    /// <summary>Peak resident memory (VmHWM) in MiB since the process started; null for a group.</summary>
    public double? PeakMemoryMiB()
    {
        var current = _command is null ? pids : FindPids(_command);
        return current.Length == 1 ? StatusKiB(current[0], "VmHWM:") / 1024d : null;
    }

    public bool IsAlive() => File.Exists($"/proc/{Pid}/stat");

    private static double CpuSeconds(int pid, bool withChildren)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return 0;
        }

        // Fields after the command name (which may hold spaces) start after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var user = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var system = long.Parse(fields[12], CultureInfo.InvariantCulture);
        var children = withChildren
            ? long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)
            : 0;
        return (user + system + children) / ClockTicksPerSecond;
    }

    /// <summary>Every process whose command name (/proc/PID/comm) is <paramref name="command"/>, as one probe.</summary>
    public static ProcessProbe? ByCommand(string name, string command)
    {
        var pids = FindPids(command);
        return pids.Length == 0 ? null : new ProcessProbe(name, command, pids);
    }

    private static int[] FindPids(string command)
    {
        var pids = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(directory, "comm")).Trim() == command)
                    {
                        pids.Add(pid);
                    }
                }
                catch (IOException)
                {
                    // Gone meanwhile.
                }
            }
        }

        return [.. pids];
    }

    private static long StatusKiB(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>
    /// The service processes started by <c>./run.sh up</c>, from their pid files: every consumer instance
    /// (<c>Payments.Consumer</c>, <c>Payments.Consumer-2</c>, ...) is a probe of its own.
    /// </summary>
    public static IReadOnlyList<ProcessProbe> FromRunDirectory(string runDirectory)
    {
        var probes = new List<ProcessProbe>();
        string[] consumers = Directory.Exists(runDirectory)
            ? [.. Directory.GetFiles(runDirectory, "Payments.Consumer*.pid").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)]
            : [];
        foreach (var name in new[] { "Payments.Api" }.Concat(consumers).Append("Payments.PortalSimulator"))
        {
            var file = Path.Combine(runDirectory, name + ".pid");
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid))
            {
                var probe = new ProcessProbe(name, pid);
                if (probe.IsAlive())
                {
                    probes.Add(probe);
                }
            }
        }

        return probes;
    }
}
