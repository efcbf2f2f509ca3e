using System.Diagnostics;
using System.Globalization;
using Npgsql;
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
    int ConsumerConcurrency)
{
    /// <summary>Said after the number of instances in the outage heading (how the consumers were set up for the run).</summary>
    public string OutageLabel { get; init; } = "";

    /// <summary>Payments run through the stack before the throughput is measured, as the baseline warms up before it is timed.</summary>
    public int WarmUpPayments { get; init; } = 3000;
}

/// <summary>
/// The load and outage benchmarks of a running stack (<c>./run.sh bench</c>), each figure next to a baseline measured in the same
/// run on the same broker. Writes a Markdown report; returns non-zero when a payment was lost or verified twice.
/// </summary>
public sealed class BenchRunner(PaymentsApiClient api, SimulatorClient simulator, HttpClient management, BenchSettings settings, TextWriter output)
{
    private readonly List<string> _report = [];
    private int _lostOrDuplicated;

    // Payments verified per second at the peak, from the throughput scenario of this run (0 when it did not run).
    private double _peakRate;
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
        // The bare round trip's CPU: the broker, and this process publishing and consuming.
        Progress($"baseline: {settings.BaselineMessages} bare MassTransit round trips (quorum queue, prefetch {settings.Prefetch}, concurrency {settings.ConsumerConcurrency})");
        var broker = ProcessProbe.ByCommand("RabbitMQ", "beam.smp");
        var (baseline, baselineCpu) = await new BareRoundTrip(settings.Broker, settings.Prefetch, settings.ConsumerConcurrency)
            .MeasureAsync(settings.BaselineMessages, inFlight: 64, () => OwnCpuSeconds() + (broker?.CpuSeconds() ?? 0), cancellationToken);
        await DeleteQueueAsync(BareRoundTrip.QueueName, cancellationToken);
        var roundTripCpuMs = baselineCpu / settings.BaselineMessages * 1000;

        await using var store = new PaymentStore(settings.PostgresConnectionString);
        await using var verdicts = new VerdictListener();
        await verdicts.StartAsync(settings.Broker, cancellationToken);
        var flows = new FlowCounters(management, settings.Broker.VirtualHost, settings.PostgresConnectionString);

        // Warm-up: connections, pools, JIT and tiering in every process, as the baseline had before it was timed.
        if (settings.WarmUpPayments > 0)
        {
            Progress($"warm-up: {settings.WarmUpPayments} payments, not measured");
            var warmUpUser = PaymentDriver.NewRunUser("warm-up");
            var warmingUp = new PaymentDriver(api, simulator).RunSaturatingAsync(warmUpUser, settings.WarmUpPayments, settings.Concurrency, cancellationToken);
            await store.WaitForConfirmedAsync(warmUpUser, settings.WarmUpPayments, TimeSpan.FromMinutes(2), c => ProgressCounts("warm-up", c), cancellationToken, verdicts.CountFromNow());
            await warmingUp;
        }

        await Task.Delay(FlowCounters.PostgresFlushDelay, cancellationToken);
        var flowBefore = await flows.ReadAsync(cancellationToken);
        var storeBefore = store.Statements;
        var verdictsBefore = verdicts.Received;

        // Peak rate: as many payments in flight as the API takes.
        var probes = Probes();
        var cpuBefore = probes.ToDictionary(p => p.Name, p => p.CpuSeconds());
        var user = PaymentDriver.NewRunUser("peak");
        var driver = new PaymentDriver(api, simulator);
        Progress($"system: {settings.Payments} payments end to end, {settings.Concurrency} in flight");
        var started = DateTimeOffset.UtcNow;
        var submitting = driver.RunSaturatingAsync(user, settings.Payments, settings.Concurrency, cancellationToken);
        var counts = await store.WaitForConfirmedAsync(user, settings.Payments, TimeSpan.FromMinutes(4), c => ProgressCounts("peak", c), cancellationToken, verdicts.CountFromNow());
        await submitting;
        var cpuAfter = probes.ToDictionary(p => p.Name, p => p.CpuSeconds());
        var rows = await store.ReadAsync(user, cancellationToken);
        var lastConfirmed = rows.Where(r => r.ConfirmedAt is not null).Select(r => r.ConfirmedAt!.Value).DefaultIfEmpty(DateTimeOffset.UtcNow).Max();
        var peakRate = counts.GetValueOrDefault("Confirmed") / (lastConfirmed - started).TotalSeconds;
        _peakRate = peakRate;
        await File.WriteAllTextAsync(PeakRateFile, peakRate.ToString("R", CultureInfo.InvariantCulture), cancellationToken);
        var peakLatencies = Latencies(driver, rows);
        CheckAllConfirmed("throughput", settings.Payments, rows, verdicts);

        // What the payments cost the broker and the database, once both have published their counters. The tool's own
        // reads (its status polls, the PaymentVerified copies it counts) are taken out.
        Progress($"reading the broker's and the database's counters ({FlowCounters.PostgresFlushDelay.TotalSeconds:0} s for PostgreSQL to publish them)");
        await Task.Delay(FlowCounters.PostgresFlushDelay, cancellationToken);
        var flow = (await flows.ReadAsync(cancellationToken)).Minus(flowBefore);
        var ownStatements = store.Statements - storeBefore;
        var ownDeliveries = verdicts.Received - verdictsBefore;
        var ownRole = new NpgsqlConnectionStringBuilder(settings.PostgresConnectionString).Username;

        // Latency at half the peak rate.
        var halfRate = peakRate / 2;
        var latencyUser = PaymentDriver.NewRunUser("half");
        var latencyDriver = new PaymentDriver(api, simulator);
        Progress($"latency: {settings.LatencyPayments} payments paced at {halfRate:0.0}/s (half the peak rate)");
        var pacing = latencyDriver.RunPacedAsync(latencyUser, settings.LatencyPayments, halfRate, cancellationToken);
        await store.WaitForConfirmedAsync(latencyUser, settings.LatencyPayments, TimeSpan.FromMinutes(4), c => ProgressCounts("half rate", c), cancellationToken, verdicts.CountFromNow());
        await pacing;
        var latencyRows = await store.ReadAsync(latencyUser, cancellationToken);
        var halfLatencies = Latencies(latencyDriver, latencyRows);
        CheckAllConfirmed("latency", settings.LatencyPayments, latencyRows, verdicts);

        var cpuPerPaymentMs = probes.ToDictionary(p => p.Name, p => (cpuAfter[p.Name] - cpuBefore[p.Name]) / settings.Payments * 1000);
        var totalCpuMs = cpuPerPaymentMs.Values.Sum();
        var ratio = peakRate / baseline;
        var roundTrips = totalCpuMs / roundTripCpuMs;
        var halfP99 = Percentile(halfLatencies, 0.99);

        Line("## Throughput");
        Line();
        Line($"After a warm-up of {settings.WarmUpPayments} payments (not counted), as the baseline warms up before it is timed.");
        Line();
        Line("| what | figure |");
        Line("| --- | --- |");
        Line($"| baseline: bare MassTransit publish -> consume round trips per second | {baseline:0} |");
        Line($"| baseline: CPU per bare round trip (RabbitMQ and the publishing, consuming process) | {roundTripCpuMs:0.000} ms |");
        Line($"| system: payments verified end to end per second ({settings.Payments} payments, {settings.Concurrency} in flight through the API) | {peakRate:0.0} |");
        Line($"| ratio system / baseline | {ratio:0.000} (goal >= 0.1: {Verdict(ratio >= 0.1)}) |");
        Line($"| CPU per payment, every process of the stack | {totalCpuMs:0.00} ms = {roundTrips:0.0} bare round trips (goal <= 10: {Verdict(roundTrips <= 10)}) |");
        Line($"| RabbitMQ deliveries / publishes per payment | {PerPayment(flow.Delivered - ownDeliveries)} / {PerPayment(flow.Published)} |");
        Line($"| PostgreSQL transactions per payment | {PerPayment(flow.Transactions - ownStatements)} |");
        Line(flow.StatementsByRole is { } statements
            ? $"| PostgreSQL statements per payment (pg_stat_statements, BEGIN and COMMIT included) | {PerPayment(statements.Values.Sum() - ownStatements)} ({string.Join(", ", statements.Where(r => r.Value > 0).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} {PerPayment(r.Value - (r.Key == ownRole ? ownStatements : 0))}"))}) |"
            : "| PostgreSQL statements per payment | not measured: pg_stat_statements is not loaded |");
        Line($"| submit-to-Confirmed at peak: p50 / p95 / p99 | {Percentiles(peakLatencies)} |");
        Line($"| submit-to-Confirmed at half the peak rate ({halfRate:0.0}/s, {settings.LatencyPayments} payments): p50 / p95 / p99 | {Percentiles(halfLatencies)} (goal p99 < 250 ms: {Verdict(halfP99 < 250)}) |");
        Line();
        Line("| process | CPU ms per payment (peak run) | bare round trips' worth | peak memory (MiB) |");
        Line("| --- | --- | --- | --- |");
        foreach (var probe in probes)
        {
            var memory = probe.PeakMemoryMiB() is { } mib ? mib.ToString("0", CultureInfo.InvariantCulture) : "n/a (several processes)";
            Line($"| {probe.Name} | {cpuPerPaymentMs[probe.Name]:0.00} | {cpuPerPaymentMs[probe.Name] / roundTripCpuMs:0.0} | {memory} |");
        }

        Line($"| all | {totalCpuMs:0.00} | {roundTrips:0.0} | |");
        Line();

        string PerPayment(long count) => (count / (double)settings.Payments).ToString("0.00", CultureInfo.InvariantCulture);
    }

    private static string Verdict(bool met) => met ? "met" : "missed";

    private static double OwnCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private async Task OutageAsync(CancellationToken cancellationToken)
    {
        await using var store = new PaymentStore(settings.PostgresConnectionString);
        await using var verdicts = new VerdictListener();
        await verdicts.StartAsync(settings.Broker, cancellationToken);
        var verdictsSinceStart = verdicts.CountFromNow();
        var consumers = Probes().Where(p => p.Name.StartsWith("Payments.Consumer", StringComparison.Ordinal)).ToList();
        if (_peakRate == 0 && File.Exists(PeakRateFile))
        {
            // An outage run after the throughput run of the same bench (with more consumer instances started in between).
            _peakRate = double.Parse(await File.ReadAllTextAsync(PeakRateFile, cancellationToken), CultureInfo.InvariantCulture);
        }

        var instances = Math.Max(consumers.Count, 1);
        var errorBefore = await ErrorQueueMessagesAsync(cancellationToken);

        await simulator.ResetAsync(cancellationToken);
        await simulator.SetFaultAsync("down", cancellationToken);
        var downAt = DateTimeOffset.UtcNow;
        var user = PaymentDriver.NewRunUser("outage");
        var driver = new PaymentDriver(api, simulator);
        Progress($"outage: {instances} consumer instance(s), portal down for {settings.OutageFor.TotalSeconds:0} s from the start, {settings.OutagePayments} payments");
        var submitting = driver.RunSaturatingAsync(user, settings.OutagePayments, settings.Concurrency, cancellationToken);

        // Watch the breakers until the portal comes back: when the first and the last instance opened, and the consumers' CPU.
        DateTimeOffset? firstOpenAt = null;
        DateTimeOffset? fleetOpenAt = null;
        long requestsAtFleetOpen = 0;
        Dictionary<string, double>? cpuAtFleetOpen = null;
        DateTimeOffset? submittedAt = null;
        DateTimeOffset? storedAt = null;
        Dictionary<string, double>? cpuAtStored = null;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < settings.OutageFor)
        {
            var open = await PortalBreakersNotClosedAsync(cancellationToken);
            if (firstOpenAt is null && open > 0)
            {
                firstOpenAt = DateTimeOffset.UtcNow;
            }

            if (fleetOpenAt is null && open >= instances)
            {
                fleetOpenAt = DateTimeOffset.UtcNow;
                requestsAtFleetOpen = await simulator.GetTotalRequestsAsync(cancellationToken);
                cpuAtFleetOpen = consumers.ToDictionary(c => c.Name, c => c.CpuSeconds());
            }

            if (submittedAt is null && submitting.IsCompleted)
            {
                submittedAt = DateTimeOffset.UtcNow;
                Progress("outage: every payment submitted");
            }

            // Once the saga has stored every submission, what is left while the circuit is open is the consumers' idle cost
            // (and any churn): the API answers a submission before the saga has consumed it.
            if (fleetOpenAt is not null && submittedAt is not null && storedAt is null
                && (await store.CountByStateAsync(user, cancellationToken)).GetValueOrDefault("Verifying") >= settings.OutagePayments)
            {
                storedAt = DateTimeOffset.UtcNow;
                cpuAtStored = consumers.ToDictionary(c => c.Name, c => c.CpuSeconds());
                Progress("outage: every submission stored, only deferrals left");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        var requestsDuringOutage = await simulator.GetTotalRequestsAsync(cancellationToken);
        var cpuAtRecovery = consumers.ToDictionary(c => c.Name, c => c.CpuSeconds());
        await simulator.SetFaultAsync("none", cancellationToken);
        var recoveredAt = DateTimeOffset.UtcNow;
        Progress("portal back up");
        var closing = WhenEveryPortalBreakerClosedAsync(instances, cancellationToken);

        var counts = await store.WaitForConfirmedAsync(user, settings.OutagePayments, TimeSpan.FromMinutes(5), c => ProgressCounts("outage", c), cancellationToken, verdictsSinceStart);
        Progress("outage: every payment settled, reading the results");
        await submitting;
        var (closedAt, waitingAtClose) = await closing;
        var rows = await store.ReadAsync(user, cancellationToken);
        var lastConfirmed = rows.Where(r => r.ConfirmedAt is not null).Select(r => r.ConfirmedAt!.Value).DefaultIfEmpty(recoveredAt).Max();
        var errorAfter = await ErrorQueueMessagesAsync(cancellationToken);
        Progress("outage: results read");
        var lost = settings.OutagePayments - counts.GetValueOrDefault("Confirmed");
        var duplicated = verdicts.Duplicates(rows.Select(r => r.Reference));
        _lostOrDuplicated += lost + duplicated;

        var openWindow = fleetOpenAt is null ? TimeSpan.Zero : recoveredAt - fleetOpenAt.Value;
        var probeWindows = fleetOpenAt is null ? 0 : (int)Math.Ceiling(openWindow.TotalSeconds / 30);
        var probes = requestsDuringOutage - requestsAtFleetOpen;
        Line($"## Outage, {instances} consumer instance{(instances == 1 ? "" : "s")}{(settings.OutageLabel.Length > 0 ? $", {settings.OutageLabel}" : "")}");
        Line();
        Line("| what | figure |");
        Line("| --- | --- |");
        Line($"| payments submitted, portal down for the first {settings.OutageFor.TotalSeconds:0} s | {settings.OutagePayments} (all in after {(submittedAt is null ? "the outage" : $"{(submittedAt.Value - downAt).TotalSeconds:0} s")}) |");
        Line($"| first instance open after / every instance open after | {Seconds(firstOpenAt, downAt)} / {Seconds(fleetOpenAt, downAt)} |");
        Line($"| portal requests before every instance was open | {requestsAtFleetOpen} (one instance alone: the threshold 5 plus at most {settings.ConsumerConcurrency - 1} in flight) |");
        Line(fleetOpenAt is null
            ? "| portal requests while the fleet was open (probes) | not measured: not every instance was seen open |"
            : $"| portal requests while the fleet was open (probes) | {probes} in {probeWindows} window(s) of 30 s (goal: one per window for the fleet: {(probes <= probeWindows ? "met" : "missed")}) |");
        foreach (var consumer in consumers)
        {
            if (cpuAtFleetOpen is not null && openWindow > TimeSpan.Zero)
            {
                var whole = (cpuAtRecovery[consumer.Name] - cpuAtFleetOpen[consumer.Name]) / openWindow.TotalSeconds;
                Line($"| {consumer.Name} CPU while open, whole window (includes storing the payments still arriving) | {whole:P1} of one core over {openWindow.TotalSeconds:0} s |");
            }

            if (cpuAtStored is not null && storedAt is not null)
            {
                var quiet = recoveredAt - storedAt.Value;
                var share = quiet > TimeSpan.Zero ? (cpuAtRecovery[consumer.Name] - cpuAtStored[consumer.Name]) / quiet.TotalSeconds : double.NaN;
                Line($"| {consumer.Name} CPU while open, once every submission was stored | {share:P1} of one core over {quiet.TotalSeconds:0} s (goal < 2%: {(share < 0.02 ? "met" : "missed")}) |");
            }
        }

        if (storedAt is null)
        {
            Line("| consumer CPU while open, once every submission was stored | not measured: storing the submissions lasted the whole outage |");
        }

        Line($"| portal recovery to every instance CLOSED | {Seconds(closedAt, recoveredAt)} |");
        if (closedAt is { } closed)
        {
            var sinceClosed = (lastConfirmed - closed).TotalSeconds;
            var drain = _peakRate > 0 ? waitingAtClose / _peakRate : double.NaN;
            var goal = double.IsNaN(drain)
                ? "no peak rate measured in this run"
                : $"goal: the {drain:0.0} s that {waitingAtClose} waiting payments take at the peak rate, plus at most 5 s: {(sinceClosed <= drain + 5 ? "met" : "missed")}";
            Line($"| every instance CLOSED to last payment Confirmed | {sinceClosed:0.0} s ({goal}) |");
        }

        Line($"| payments lost (not Confirmed at the end) | {lost} |");
        Line($"| payments verified more than once | {duplicated} |");
        Line($"| messages added to `_error` queues | {errorAfter - errorBefore} |");
        Line($"| final statuses | {string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"))} |");
        Line();

        async Task<(DateTimeOffset? ClosedAt, int Waiting)> WhenEveryPortalBreakerClosedAsync(int expected, CancellationToken token)
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromMinutes(2))
            {
                if (await PortalBreakersClosedAsync(token) >= expected)
                {
                    var at = DateTimeOffset.UtcNow;
                    var waiting = (await store.ReadAsync(user, token)).Count(r => r.State != "Confirmed");
                    return (at, waiting);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), token);
            }

            return (null, 0);
        }
    }

    /// <summary>The peak rate of the last throughput run, for the drain goal of an outage run started separately.</summary>
    private string PeakRateFile => Path.Combine(settings.RunDirectory, "bench-peak-rate.txt");

    private static string Seconds(DateTimeOffset? at, DateTimeOffset from) => at is { } value ? $"{(value - from).TotalSeconds:0.0} s" : "never";

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

    private Task<int> PortalBreakersNotClosedAsync(CancellationToken cancellationToken) =>
        CountPortalBreakersAsync(state => state != "CLOSED", cancellationToken);

    private Task<int> PortalBreakersClosedAsync(CancellationToken cancellationToken) =>
        CountPortalBreakersAsync(state => state == "CLOSED", cancellationToken);

    /// <summary>The consumer instances whose DeveloperPortal breaker is in a state <paramref name="matches"/> accepts.</summary>
    private async Task<int> CountPortalBreakersAsync(Func<string?, bool> matches, CancellationToken cancellationToken)
    {
        try
        {
            var health = await api.GetCircuitBreakersAsync(cancellationToken);
            return health.GetProperty("circuitBreakers").EnumerateArray()
                .Count(b => b.GetProperty("name").GetString() == "DeveloperPortal" && matches(b.GetProperty("state").GetString()));
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private Task<long> ErrorQueueMessagesAsync(CancellationToken cancellationToken) =>
        BrokerQueues.CountErrorMessagesAsync(management, settings.Broker.VirtualHost, cancellationToken);

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
