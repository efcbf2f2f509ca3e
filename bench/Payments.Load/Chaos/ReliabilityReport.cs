using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Payments.Load.Chaos;

/// <summary>docs/reliability.md: what the suite checks, how it was run, on what, and each scenario's figures and picture.</summary>
public static class ReliabilityReport
{
    public static string Write(ChaosSettings settings, IReadOnlyList<ScenarioRun> runs, TimeSpan elapsed)
    {
        var text = new StringBuilder();
        var passed = runs.Count(r => r.Passed);
        var pictures = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(settings.Report))!, Path.GetFullPath(settings.Pictures));
        Line(text, "# Reliability");
        Line(text);
        Line(text, "What `./run.sh chaos` measured: payments driven through the public HTTP contracts at a steady rate while the stack is broken");
        Line(text, "on purpose, then every accepted payment waited for. The promise: no accepted intent is lost, none is confirmed twice or");
        Line(text, "confirmed wrongly, and every one reaches a final status, or `NeedsReview` with a reason. This file is written by the run;");
        Line(text, "how to read it and what the suite leaves out is in [operations.md](operations.md#reliability-suite).");
        Line(text);
        Line(text, "## The run");
        Line(text);
        Line(text, $"- Command: `{settings.Command}`");
        Line(text, $"- Finished {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {elapsed.TotalMinutes:0.0} min of scenarios; **{passed} of {runs.Count} kept the promise**.");
        Line(text, $"- Machine: {Machine()}");
        Line(text, $"- Stack: {settings.Consumers} consumer instance(s), RabbitMQ {(settings.RabbitMqNodes > 1 ? $"cluster of {settings.RabbitMqNodes} nodes" : "single node")}, PostgreSQL, the portal simulator; every process on this machine.");
        Line(text, $"- Load: {ChaosLoad.Describe(settings.Rate)} for {settings.LoadFor.TotalSeconds:0} s per scenario (unless the scenario says otherwise), faults from {settings.FaultAt.TotalSeconds:0} s; " +
                   $"every payment of {ChaosLoad.Amount} {ChaosLoad.Token}, one in 25 underpaid, one in 25 failed on chain, one in 25 paid to another recipient; clients retry 503, 429, 502, 504 and no answer with the same `Idempotency-Key`; " +
                   $"each scenario waits up to {settings.SettleFor.TotalSeconds:0} s (plus the portal's pending time) for its payments to settle.");
        Line(text);
        Line(text, "## Figures");
        Line(text);
        Line(text, "| Scenario | Accepted | Confirmed | Failed | NeedsReview | Not settled | Lost | Confirmed twice | Confirmed wrongly | `_error` added | Client errors | Longest settle | Portal requests per payment | Result |");
        Line(text, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|");
        foreach (var run in runs)
        {
            var f = run.Figures;
            Line(text, $"| [{f.Name}](#{f.Name}) | {f.Accepted} | {f.Confirmed} | {f.Failed} | {f.NeedsReviewTotal} | {f.Unsettled} | {f.Lost} | {f.ConfirmedTwice} | {f.WronglyConfirmed} | " +
                       $"{f.ErrorQueueMessages} | {f.ClientErrors} | {Seconds(f.LongestSettle)} | {f.PortalRequestsPerPayment.ToString("0.00", CultureInfo.InvariantCulture)} | " +
                       $"{(run.Passed ? "kept" : "**broken**: " + string.Join(", ", run.Breaches))} |");
        }

        foreach (var run in runs)
        {
            var f = run.Figures;
            Line(text);
            Line(text, $"## {f.Name}");
            Line(text);
            Line(text, $"{Capital(f.Fault)}.");
            Line(text);
            var marks = run.Timeline.Marks;
            if (marks.Count > 0)
            {
                Line(text, "- Steps: " + string.Join("; ", marks.Select(m => $"{m.Label} at {m.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s")) + ".");
            }

            Line(text, $"- Payments started {f.Started}, accepted {f.Accepted}, given up by their clients {f.GaveUp}; the scenario took {Seconds(f.Duration)} from its first payment to its last settled.");
            Line(text, $"- Settled: Confirmed {f.Confirmed}, Failed {f.Failed}, NeedsReview {f.NeedsReviewTotal}" +
                       (f.NeedsReview.Count > 0 ? " (" + string.Join(", ", f.NeedsReview.Select(r => $"{r.Key} {r.Value}")) + ")" : "") +
                       $"; paid in full but not Confirmed: {f.PaidNotConfirmed}.");
            if (f.GaveUpReasons.Count > 0)
            {
                Line(text, "- Why clients gave up: " + string.Join("; ", f.GaveUpReasons.Select(r => $"{r.Key} ({r.Value})")) + ".");
            }

            Line(text, "- Answers the clients got: " + (f.Answers.Count == 0 ? "none" : string.Join(", ", f.Answers.Select(a => $"{a.Key}: {a.Value}"))) + ".");
            Line(text, $"- Longest from an accepted submission to its final status: {Seconds(f.LongestSettle)}; portal requests per accepted payment: {f.PortalRequestsPerPayment.ToString("0.00", CultureInfo.InvariantCulture)}.");
            if (!run.Passed)
            {
                Line(text, $"- **Broken**: {string.Join(", ", run.Breaches)}.");
            }

            Line(text);
            Line(text, $"![{f.Name}: confirmed per second, portal requests per second, breaker state per instance]({pictures}/{f.Name}.png)");
        }

        return text.ToString();
    }

    /// <summary>The machine in one line: cores, CPU model, memory, operating system, .NET.</summary>
    public static string Machine()
    {
        var model = ReadFirst("/proc/cpuinfo", "model name");
        var memory = ReadFirst("/proc/meminfo", "MemTotal");
        double? gib = memory is null ? null : double.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) / (1024 * 1024);
        return $"{Environment.ProcessorCount} cores" + (model is null ? "" : $" ({model})") +
               (gib is null ? "" : $", {gib.Value.ToString("0.0", CultureInfo.InvariantCulture)} GiB") +
               $", {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    private static string? ReadFirst(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static void Line(StringBuilder text, string line = "") => text.Append(line).Append('\n');
}
