using System.Collections.Concurrent;
using System.Diagnostics;
using Payments.Contracts;
using Payments.Load.Clients;
using Payments.Load.Demo;
using Payments.Load.Load;

namespace Payments.Load.Chaos;

/// <summary>What <c>./run.sh chaos</c> hands the tool: where the stack is, how it was started, how hard to drive it.</summary>
public sealed record ChaosSettings(
    string Control,
    int Consumers,
    int RabbitMqNodes,
    IReadOnlyList<HttpClient> Managements,
    string VirtualHost,
    string Postgres,
    double Rate,
    TimeSpan LoadFor,
    TimeSpan FaultAt,
    TimeSpan SettleFor,
    string Scenarios,
    string Report,
    string Pictures,
    string Command,
    string? Summary);

/// <summary>
/// One scenario's run: its figures, the fault steps that could not be carried out, what of the stack had not recovered once
/// its payments settled, its timeline.
/// </summary>
public sealed record ScenarioRun(
    ChaosScenario Scenario, ScenarioFigures Figures, IReadOnlyList<string> StepErrors, IReadOnlyList<string> NotRecovered, ChaosTimeline Timeline, (double From, double To)? FaultWindow)
{
    public bool Passed => Breaches.Count == 0;

    public IReadOnlyList<string> Breaches =>
        [.. Figures.Breaches, .. StepErrors.Select(e => "fault step failed: " + e), .. NotRecovered.Select(e => "not recovered: " + e)];
}

/// <summary>
/// Runs the reliability scenarios one after the other against a running stack, through its public HTTP contracts (the
/// database and the broker's management API are only read, for the figures), writes the report and its pictures, and
/// answers 0 only when every scenario kept the promise.
/// </summary>
public sealed class ChaosRunner(HttpClient apiHttp, string apiKey, SimulatorClient simulator, ChaosSettings settings, TextWriter output)
{
    private static readonly TimeSpan _progressEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan _settlePoll = TimeSpan.FromSeconds(2);

    /// <summary>The queues every consumer instance consumes from once the stack has recovered.</summary>
    private static readonly string[] _workQueues = ["payment-state", "verify-payment", "deliver-webhook"];

    /// <summary>How long the stack gets, once a scenario's payments have settled, to show every instance at work again.</summary>
    private static readonly TimeSpan _recoverFor = TimeSpan.FromSeconds(30);

    private static readonly HashSet<string> _final = new(StringComparer.Ordinal)
    {
        PaymentStatuses.Confirmed, PaymentStatuses.Failed, PaymentStatuses.NeedsReview,
    };

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var faults = new FaultControl(settings.Control, output);
        var portal = new Portal(simulator, output);
        var all = ChaosScenarios.All(faults, portal, settings.RabbitMqNodes, settings.LoadFor, settings.FaultAt);
        var chosen = Choose(all, settings.Scenarios);
        await using var store = new ChaosStore(settings.Postgres);
        await using var counts = new PaymentStore(store.ConnectionString);

        Write($"{chosen.Count} scenario(s) at {ChaosLoad.Describe(settings.Rate)} for {settings.LoadFor.TotalSeconds:0} s each, faults from {settings.FaultAt.TotalSeconds:0} s; " +
              $"{settings.Consumers} consumer instance(s), {settings.RabbitMqNodes} RabbitMQ node(s)");
        var clock = Stopwatch.StartNew();
        await simulator.SetFaultAsync("none", cancellationToken);
        var beside = new List<Task<ScenarioRun>>();
        var inTurn = new List<ScenarioRun>();
        foreach (var scenario in chosen)
        {
            var run = RunScenarioAsync(scenario, store, counts, cancellationToken);
            if (scenario.Beside)
            {
                beside.Add(run);
            }
            else
            {
                inTurn.Add(await run);
            }
        }

        var finished = (await Task.WhenAll(beside)).Concat(inTurn).ToList();
        var runs = chosen.Select(s => finished.Single(r => r.Scenario.Name == s.Name)).ToList();
        var elapsed = clock.Elapsed;

        foreach (var run in runs)
        {
            var picture = Path.Combine(settings.Pictures, run.Scenario.Name + ".png");
            TimelinePicture.Save($"{run.Scenario.Name}: {run.Scenario.Fault}", run.Timeline.Samples, run.Timeline.Marks, run.FaultWindow, picture);
        }

        var report = ReliabilityReport.Write(settings, runs, elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Report))!);
        await File.WriteAllTextAsync(settings.Report, report, cancellationToken);
        var passed = runs.Count(r => r.Passed);
        if (settings.Summary is not null)
        {
            await File.WriteAllTextAsync(settings.Summary, $"{passed} passed, {runs.Count - passed} failed\n", cancellationToken);
        }

        foreach (var run in runs)
        {
            Write($"{run.Scenario.Name}: {(run.Passed ? "passed" : "FAILED: " + string.Join(", ", run.Breaches))}");
        }

        Write($"{passed} of {runs.Count} scenario(s) kept the promise in {elapsed.TotalMinutes:0.0} min; report {settings.Report}, pictures {settings.Pictures}/");
        return passed == runs.Count ? 0 : 1;
    }

    /// <summary><c>all</c>, <c>short</c> (what the test suite runs), or names separated by commas, in the suite's order.</summary>
    public static IReadOnlyList<ChaosScenario> Choose(IReadOnlyList<ChaosScenario> all, string which)
    {
        if (which == "all")
        {
            return all;
        }

        var names = which == "short" ? ChaosScenarios.Short : which.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var unknown = names.Except(all.Select(s => s.Name), StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"unknown scenario(s) {string.Join(", ", unknown)} (known here: {string.Join(", ", all.Select(s => s.Name))}; node-loss needs a cluster)");
        }

        return [.. all.Where(s => names.Contains(s.Name))];
    }

    private async Task<ScenarioRun> RunScenarioAsync(ChaosScenario scenario, ChaosStore store, PaymentStore counts, CancellationToken cancellationToken)
    {
        var userId = ChaosLoad.NewRunUser(scenario.Name);
        var answers = new AnswerCounts();
        var client = new PaymentsApiClient(apiHttp, apiKey, answers);
        // The timeline's own reads of the API are not a client's answers.
        var timeline = new ChaosTimeline(
            async token => await counts.CountByStateAsync(userId, token), simulator, new PaymentsApiClient(apiHttp, apiKey));
        var rate = scenario.Rate > 0 ? scenario.Rate : settings.Rate;
        var errorsBefore = await RetryAsync(ErrorMessagesAsync, cancellationToken);
        Write($"{scenario.Name}: {scenario.Fault} ({ChaosLoad.Describe(rate)} for {scenario.LoadFor.TotalSeconds:0} s{(scenario.Beside ? ", beside the scenarios after it" : "")})");

        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = timeline.RunAsync(stopSampling.Token);
        var started = new ConcurrentQueue<ChaosPayment>();
        var phase = "load";
        var progress = ReportProgressAsync(scenario.Name, timeline, started, () => phase, stopSampling.Token);

        var loading = new ChaosLoad(client, simulator).RunAsync(userId, rate, scenario.LoadFor, scenario.PendingFor, started.Enqueue, cancellationToken);
        var stepErrors = new List<string>();
        var window = await RunStepsAsync(scenario, timeline, stepErrors, cancellationToken);
        var payments = await loading;

        phase = "settling";
        var rows = await SettleAsync(store, userId, payments, scenario.PendingFor + settings.SettleFor, cancellationToken);
        if (scenario.RestoreAsync is not null)
        {
            try
            {
                await scenario.RestoreAsync(cancellationToken);
            }
            catch (InvalidOperationException exception)
            {
                stepErrors.Add("restore: " + exception.Message);
            }
        }

        // A scenario beside the others shares their faults: whether the fleet is whole is theirs to say.
        var notRecovered = scenario.Beside ? [] : await CheckRecoveredAsync(timeline, cancellationToken);
        var confirmedTwice = await RetryAsync(token => store.CountConfirmedTwiceAsync(userId, token), cancellationToken);
        var errorsAfter = await RetryAsync(ErrorMessagesAsync, cancellationToken);
        var requests = await RetryAsync(simulator.GetRequestsAsync, cancellationToken);
        await stopSampling.CancelAsync();
        await Task.WhenAll(sampling, progress);

        var figures = ScenarioFigures.From(
            scenario, payments, rows, confirmedTwice, errorsAfter - errorsBefore, answers.Snapshot(), requests.ByTransaction, TimeSpan.FromSeconds(timeline.Now));
        var run = new ScenarioRun(scenario, figures, stepErrors, notRecovered, timeline, window);
        Write($"{scenario.Name}: accepted {figures.Accepted} of {figures.Started}, confirmed {figures.Confirmed}, failed {figures.Failed}, " +
              $"review {figures.NeedsReviewTotal}, lost {figures.Lost}, unsettled {figures.Unsettled}, twice {figures.ConfirmedTwice}, " +
              $"wrongly {figures.WronglyConfirmed}, _error +{figures.ErrorQueueMessages}, client errors {figures.ClientErrors}, " +
              $"longest settle {figures.LongestSettle.TotalSeconds:0.0} s: {(run.Passed ? "passed" : "FAILED")}");
        return run;
    }

    /// <summary>
    /// Every consumer instance consumes from every work queue again and reports its breakers to the API; waits up to
    /// <see cref="_recoverFor"/> for it, and says what is still missing then.
    /// </summary>
    private Task<List<string>> CheckRecoveredAsync(ChaosTimeline timeline, CancellationToken cancellationToken) =>
        UntilAsync(
            async token =>
            {
                var consumers = await RetryAsync(
                    t => BrokerQueues.CountConsumersAsync(settings.Managements, settings.VirtualHost, _workQueues, t), token);
                var missing = consumers
                    .Where(c => c.Value < settings.Consumers)
                    .Select(c => $"{c.Key} consumed by {c.Value} of {settings.Consumers} instance(s)")
                    .ToList();
                var reporting = timeline.Latest?.Breakers.Count ?? 0;
                if (reporting < settings.Consumers)
                {
                    missing.Add($"the API's breaker view shows {reporting} of {settings.Consumers} instance(s)");
                }

                return missing;
            },
            missing => missing.Count == 0,
            _recoverFor,
            cancellationToken);

    private Task<long> ErrorMessagesAsync(CancellationToken cancellationToken) =>
        BrokerQueues.CountErrorMessagesAsync(settings.Managements, settings.VirtualHost, cancellationToken);

    /// <summary>Carries out the steps at their times; a step that fails is recorded, and the ones after it still run.</summary>
    private static async Task<(double From, double To)?> RunStepsAsync(
        ChaosScenario scenario, ChaosTimeline timeline, List<string> stepErrors, CancellationToken cancellationToken)
    {
        double? from = null;
        double to = 0;
        foreach (var step in scenario.Steps.OrderBy(s => s.At))
        {
            var wait = step.At - TimeSpan.FromSeconds(timeline.Now);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            timeline.Mark(step.Label);
            from ??= timeline.Now;
            try
            {
                await step.RunAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is InvalidOperationException or HttpRequestException)
            {
                stepErrors.Add($"{step.Label}: {exception.Message}");
            }

            to = timeline.Now;
        }

        if (from is null)
        {
            return null;
        }

        // A fault left in place (a node stopped for good) lasts to the end of the load; the others end at their last step.
        return (from.Value, scenario.RestoreAsync is null ? to : Math.Max(to, scenario.LoadFor.TotalSeconds));
    }

    /// <summary>Waits until every accepted payment has a final status, or <paramref name="settleFor"/> has passed; returns the rows.</summary>
    private static Task<List<SettledRow>> SettleAsync(
        ChaosStore store, string userId, IReadOnlyList<ChaosPayment> payments, TimeSpan settleFor, CancellationToken cancellationToken)
    {
        var accepted = payments.Where(p => p.SubmittedAt is not null).Select(p => p.Reference!).ToList();
        return UntilAsync(
            token => RetryAsync(t => store.ReadAsync(userId, t), token),
            rows =>
            {
                var final = rows.Where(r => _final.Contains(r.State)).Select(r => r.Reference).ToHashSet(StringComparer.Ordinal);
                return accepted.All(final.Contains);
            },
            settleFor,
            cancellationToken);
    }

    /// <summary>Reads every <see cref="_settlePoll"/> until <paramref name="done"/> holds or <paramref name="within"/> has passed; returns the last read.</summary>
    private static async Task<T> UntilAsync<T>(Func<CancellationToken, Task<T>> read, Func<T, bool> done, TimeSpan within, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var value = await read(cancellationToken);
            if (done(value) || Stopwatch.GetElapsedTime(started) > within)
            {
                return value;
            }

            await Task.Delay(_settlePoll, cancellationToken);
        }
    }

    private async Task ReportProgressAsync(
        string scenario, ChaosTimeline timeline, ConcurrentQueue<ChaosPayment> started, Func<string> phase, CancellationToken cancellationToken)
    {
        using var ticks = new PeriodicTimer(_progressEvery);
        try
        {
            while (await ticks.WaitForNextTickAsync(cancellationToken))
            {
                var latest = timeline.Latest;
                var states = latest?.States ?? new Dictionary<string, int>();
                var breakers = latest?.Breakers.ToDictionary(b => $"{BreakerStates.PortalBreaker}@{b.Key}", b => b.Value, StringComparer.Ordinal)
                    ?? [];
                Write($"  {scenario} {timeline.Now,4:0} s {phase()}: started {started.Count}, accepted {started.Count(p => p.SubmittedAt is not null)}, " +
                      $"verifying {states.GetValueOrDefault(PaymentStatuses.Verifying)}, confirmed {states.GetValueOrDefault(PaymentStatuses.Confirmed)}, " +
                      $"failed {states.GetValueOrDefault(PaymentStatuses.Failed)}, review {states.GetValueOrDefault(PaymentStatuses.NeedsReview)} | " +
                      $"portal requests {latest?.PortalRequests ?? 0} | {BreakerStates.Line(breakers)}");
            }
        }
        catch (OperationCanceledException)
        {
            // The scenario is over.
        }
    }

    /// <summary>A read of the figures, retried for a minute while the stack recovers from the last fault.</summary>
    private static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                return await read(cancellationToken);
            }
            catch (Exception exception) when (exception is Npgsql.NpgsqlException or HttpRequestException or TimeoutException or AggregateException
                                              && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(1))
            {
                await Task.Delay(_settlePoll, cancellationToken);
            }
        }
    }

    private void Write(string line) => output.WriteLine($"[chaos {DateTimeOffset.UtcNow:HH:mm:ss}] {line}");
}
