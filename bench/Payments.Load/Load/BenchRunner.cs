using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Load.Clients;

namespace Payments.Load.Load;

public sealed record BenchSettings(
    BrokerSettings Broker,
    string PostgresConnectionString,
    string RunDirectory,
    int BaselineMessages,
    int Payments,
    int Concurrency,
    int LatencyPayments,
    int OutagePayments,
    TimeSpan OutageFor,
    int Prefetch,
    int ConsumerConcurrency);

/// <summary>
/// The load and outage benchmarks of a running stack (<c>./run.sh bench</c>), each figure next to a baseline measured in the same
/// run on the same broker. Writes a Markdown report; returns non-zero when a payment was lost or verified twice.
/// </summary>
public sealed class BenchRunner(PaymentsApiClient api, SimulatorClient simulator, HttpClient management, BenchSettings settings, TextWriter output)
{
    private readonly List<string> _report = [];
    private int _lostOrDuplicated;
    private long _lastProgress;

    public async Task<int> RunAsync(string scenarios, CancellationToken cancellationToken)
    {
        Line($"# Load and outage benchmark, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line();
        Line($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}.");
        Line();
        await simulator.ResetAsync(cancellationToken);
        await simulator.SetFaultAsync("none", cancellationToken);

        if (scenarios is "all" or "throughput")
        {
            await ThroughputAsync(cancellationToken);
        }

        if (scenarios is "all" or "outage")
        {
            await OutageAsync(cancellationToken);
        }

        output.WriteLine();
        foreach (var line in _report)
        {
            output.WriteLine(line);
        }

        return _lostOrDuplicated == 0 ? 0 : 1;
    }

    private async Task ThroughputAsync(CancellationToken cancellationToken)
    {
        Progress($"baseline: {settings.BaselineMessages} bare MassTransit round trips (quorum queue, prefetch {settings.Prefetch}, concurrency {settings.ConsumerConcurrency})");
        var baseline = await new BareRoundTrip(settings.Broker, settings.Prefetch, settings.ConsumerConcurrency)
            .MessagesPerSecondAsync(settings.BaselineMessages, inFlight: 64, cancellationToken);
        await DeleteQueueAsync(BareRoundTrip.QueueName, cancellationToken);

        await using var store = new PaymentStore(settings.PostgresConnectionString);
        await using var verdicts = new VerdictListener();
        await verdicts.StartAsync(settings.Broker, cancellationToken);

        // Peak rate: as many payments in flight as the API takes.
        var probes = Probes();
        var cpuBefore = probes.ToDictionary(p => p.Name, p => p.CpuSeconds());
        var user = PaymentDriver.NewRunUser("peak");
        var driver = new PaymentDriver(api, simulator);
        Progress($"system: {settings.Payments} payments end to end, {settings.Concurrency} in flight");
        var started = DateTimeOffset.UtcNow;
        var submitting = driver.RunSaturatingAsync(user, settings.Payments, settings.Concurrency, cancellationToken);
        var counts = await store.WaitForConfirmedAsync(user, settings.Payments, TimeSpan.FromMinutes(4), c => ProgressCounts("peak", c), cancellationToken);
        await submitting;
        var rows = await store.ReadAsync(user, cancellationToken);
        var lastConfirmed = rows.Where(r => r.ConfirmedAt is not null).Select(r => r.ConfirmedAt!.Value).DefaultIfEmpty(DateTimeOffset.UtcNow).Max();
        var peakRate = counts.GetValueOrDefault("Confirmed") / (lastConfirmed - started).TotalSeconds;
        var cpuAfter = probes.ToDictionary(p => p.Name, p => p.CpuSeconds());
        var peakLatencies = Latencies(driver, rows);
        CheckAllConfirmed("throughput", settings.Payments, rows, verdicts);

        // Latency at half the peak rate.
        var halfRate = peakRate / 2;
        var latencyUser = PaymentDriver.NewRunUser("half");
        var latencyDriver = new PaymentDriver(api, simulator);
        Progress($"latency: {settings.LatencyPayments} payments paced at {halfRate:0.0}/s (half the peak rate)");
        var pacing = latencyDriver.RunPacedAsync(latencyUser, settings.LatencyPayments, halfRate, cancellationToken);
        await store.WaitForConfirmedAsync(latencyUser, settings.LatencyPayments, TimeSpan.FromMinutes(4), c => ProgressCounts("half rate", c), cancellationToken);
        await pacing;
        var latencyRows = await store.ReadAsync(latencyUser, cancellationToken);
        var halfLatencies = Latencies(latencyDriver, latencyRows);
        CheckAllConfirmed("latency", settings.LatencyPayments, latencyRows, verdicts);

        Line("## Throughput");
        Line();
        Line("| what | figure |");
        Line("| --- | --- |");
        Line($"| baseline: bare MassTransit publish -> consume round trips per second | {baseline:0} |");
        Line($"| system: payments verified end to end per second ({settings.Payments} payments, {settings.Concurrency} in flight through the API) | {peakRate:0.0} |");
        Line($"| ratio system / baseline | {peakRate / baseline:0.000} (goal >= 0.3: {(peakRate / baseline >= 0.3 ? "met" : "missed")}) |");
        Line($"| submit-to-Confirmed at peak: p50 / p95 / p99 | {Percentiles(peakLatencies)} |");
        Line($"| submit-to-Confirmed at half the peak rate ({halfRate:0.0}/s, {settings.LatencyPayments} payments): p50 / p95 / p99 | {Percentiles(halfLatencies)} (goal p99 < 250 ms: {(Percentile(halfLatencies, 0.99) < 250 ? "met" : "missed")}) |");
        Line();
        Line("| process | CPU seconds per 1,000 payments (peak run) | peak memory (MiB) |");
        Line("| --- | --- | --- |");
        foreach (var probe in probes)
        {
            var perThousand = (cpuAfter[probe.Name] - cpuBefore[probe.Name]) / settings.Payments * 1000;
            var memory = probe.PeakMemoryMiB() is { } mib ? mib.ToString("0", CultureInfo.InvariantCulture) : "n/a (several processes)";
            Line($"| {probe.Name} | {perThousand:0.00} | {memory} |");
        }

        Line();
    }

    private async Task OutageAsync(CancellationToken cancellationToken)
    {
        await using var store = new PaymentStore(settings.PostgresConnectionString);
        await using var verdicts = new VerdictListener();
        await verdicts.StartAsync(settings.Broker, cancellationToken);
        var consumer = Probes().FirstOrDefault(p => p.Name == "Payments.Consumer");
        var errorBefore = await ErrorQueueMessagesAsync(cancellationToken);

        await simulator.ResetAsync(cancellationToken);
        await simulator.SetFaultAsync("down", cancellationToken);
        var downAt = DateTimeOffset.UtcNow;
        var user = PaymentDriver.NewRunUser("outage");
        var driver = new PaymentDriver(api, simulator);
        Progress($"outage: portal down for {settings.OutageFor.TotalSeconds:0} s from the start, {settings.OutagePayments} payments");
        var submitting = driver.RunSaturatingAsync(user, settings.OutagePayments, settings.Concurrency, cancellationToken);

        // Watch the breaker until the portal comes back: when it opened, and the consumer's CPU while it was open.
        DateTimeOffset? openedAt = null;
        long requestsAtOpen = 0;
        double cpuAtOpen = 0;
        DateTimeOffset? submittedAt = null;
        double cpuAtSubmitted = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < settings.OutageFor)
        {
            if (openedAt is null && await AnyBreakerOpenAsync(cancellationToken))
            {
                openedAt = DateTimeOffset.UtcNow;
                requestsAtOpen = await simulator.GetTotalRequestsAsync(cancellationToken);
                cpuAtOpen = consumer?.CpuSeconds() ?? 0;
            }

            // Once every payment is in, what is left while the circuit is open is deferral churn alone.
            if (openedAt is not null && submittedAt is null && submitting.IsCompleted)
            {
                submittedAt = DateTimeOffset.UtcNow;
                cpuAtSubmitted = consumer?.CpuSeconds() ?? 0;
                Progress("outage: every payment submitted");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        var requestsDuringOutage = await simulator.GetTotalRequestsAsync(cancellationToken);
        var cpuAtRecovery = consumer?.CpuSeconds() ?? 0;
        await simulator.SetFaultAsync("none", cancellationToken);
        var recoveredAt = DateTimeOffset.UtcNow;
        Progress("portal back up");

        var counts = await store.WaitForConfirmedAsync(user, settings.OutagePayments, TimeSpan.FromMinutes(5), c => ProgressCounts("outage", c), cancellationToken);
        Progress("outage: every payment settled, reading the results");
        await submitting;
        var rows = await store.ReadAsync(user, cancellationToken);
        var lastConfirmed = rows.Where(r => r.ConfirmedAt is not null).Select(r => r.ConfirmedAt!.Value).DefaultIfEmpty(recoveredAt).Max();
        var errorAfter = await ErrorQueueMessagesAsync(cancellationToken);
        Progress("outage: results read");
        var lost = settings.OutagePayments - counts.GetValueOrDefault("Confirmed");
        var duplicated = verdicts.Duplicates(rows.Select(r => r.Reference));
        _lostOrDuplicated += lost + duplicated;

        var openWindow = openedAt is null ? TimeSpan.Zero : recoveredAt - openedAt.Value;
        var cpuShare = openWindow > TimeSpan.Zero ? (cpuAtRecovery - cpuAtOpen) / openWindow.TotalSeconds : double.NaN;
        var probeWindows = openedAt is null ? 0 : (int)Math.Ceiling(openWindow.TotalSeconds / 30);
        Line("## Outage");
        Line();
        Line("| what | figure |");
        Line("| --- | --- |");
        Line($"| payments submitted, portal down for the first {settings.OutageFor.TotalSeconds:0} s | {settings.OutagePayments} (all in after {(submittedAt is null ? "the outage" : $"{(submittedAt.Value - downAt).TotalSeconds:0} s")}) |");
        Line($"| breaker opened after | {(openedAt is null ? "never" : $"{(openedAt.Value - downAt).TotalSeconds:0.0} s")} |");
        Line($"| portal requests before the breaker opened | {requestsAtOpen} (goal: 5 plus the calls already in flight, at most {5 + settings.ConsumerConcurrency - 1}: {(requestsAtOpen <= 5 + settings.ConsumerConcurrency - 1 ? "met" : "missed")}) |");
        Line($"| portal requests while open (until the portal came back) | {requestsDuringOutage - requestsAtOpen} (goal: one probe per open window, {probeWindows} window(s) of 30 s: {(requestsDuringOutage - requestsAtOpen <= probeWindows ? "met" : "missed")}) |");
        Line($"| consumer CPU while the circuit was open, whole window (includes storing the payments still arriving) | {cpuShare:P1} of one core over {openWindow.TotalSeconds:0} s (goal < 10%: {(cpuShare < 0.10 ? "met" : "missed")}) |");
        if (submittedAt is not null)
        {
            var quiet = recoveredAt - submittedAt.Value;
            var quietShare = quiet > TimeSpan.Zero ? (cpuAtRecovery - cpuAtSubmitted) / quiet.TotalSeconds : double.NaN;
            Line($"| consumer CPU while open, after the last payment was submitted (deferrals only) | {quietShare:P1} of one core over {quiet.TotalSeconds:0} s |");
        }
        else
        {
            Line("| consumer CPU while open, after the last payment was submitted | not measured: submissions lasted the whole outage |");
        }

        Line($"| portal recovery to last payment Confirmed | {(lastConfirmed - recoveredAt).TotalSeconds:0.0} s |");
        Line($"| payments lost (not Confirmed at the end) | {lost} |");
        Line($"| payments verified more than once | {duplicated} |");
        Line($"| messages added to `_error` queues | {errorAfter - errorBefore} |");
        Line($"| final statuses | {string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))} |");
        Line();
    }

    private void CheckAllConfirmed(string scenario, int expected, List<StoredPayment> rows, VerdictListener verdicts)
    {
        var lost = expected - rows.Count(r => r.State == "Confirmed");
        var duplicated = verdicts.Duplicates(rows.Select(r => r.Reference));
        _lostOrDuplicated += lost + duplicated;
        if (lost + duplicated > 0)
        {
            Line($"**{scenario}: {lost} payment(s) not Confirmed, {duplicated} verified more than once.**");
            Line();
        }
    }

    private static List<double> Latencies(PaymentDriver driver, List<StoredPayment> rows) =>
        rows.Where(r => r.ConfirmedAt is not null && driver.Submitted.ContainsKey(r.Reference))
            .Select(r => (r.ConfirmedAt!.Value - driver.Submitted[r.Reference].SubmittedAt).TotalMilliseconds)
            .Order()
            .ToList();

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Percentiles(List<double> sorted) =>
        $"{Percentile(sorted, 0.50):0} / {Percentile(sorted, 0.95):0} / {Percentile(sorted, 0.99):0} ms";

    private List<ProcessProbe> Probes()
    {
        var probes = ProcessProbe.FromRunDirectory(settings.RunDirectory).ToList();
        if (ProcessProbe.ByCommand("RabbitMQ", "beam.smp") is { } rabbit)
        {
            probes.Add(rabbit);
        }

        if (ProcessProbe.ByCommand("PostgreSQL", "postgres") is { } postgres)
        {
            probes.Add(postgres);
        }

        return probes;
    }

    private async Task<bool> AnyBreakerOpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var health = await api.GetCircuitBreakersAsync(cancellationToken);
            return health.GetProperty("circuitBreakers").EnumerateArray().Any(b => b.GetProperty("state").GetString() != "CLOSED");
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<long> ErrorQueueMessagesAsync(CancellationToken cancellationToken)
    {
        var vhost = Uri.EscapeDataString(settings.Broker.VirtualHost);
        var queues = await management.GetFromJsonAsync<JsonElement>($"/api/queues/{vhost}?columns=name,messages", cancellationToken);
        return queues.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal))
            .Sum(q => q.TryGetProperty("messages", out var m) ? m.GetInt64() : 0);
    }

    private async Task DeleteQueueAsync(string queue, CancellationToken cancellationToken)
    {
        var vhost = Uri.EscapeDataString(settings.Broker.VirtualHost);
        using var response = await management.DeleteAsync($"/api/queues/{vhost}/{queue}", cancellationToken);
    }

    private void Progress(string what) => output.WriteLine($"[bench {DateTimeOffset.UtcNow:HH:mm:ss}] {what}");

    /// <summary>A progress line every 5 seconds at most while a scenario waits for its payments.</summary>
    private void ProgressCounts(string scenario, Dictionary<string, int> counts)
    {
        if (Stopwatch.GetElapsedTime(_lastProgress) >= TimeSpan.FromSeconds(5))
        {
            _lastProgress = Stopwatch.GetTimestamp();
            Progress($"{scenario}: " + string.Join(" ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")));
        }
    }

    private void Line(string text = "")
    {
        _report.Add(text);
        output.WriteLine("  | " + text);
    }
}
