using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Payments.Load.Chaos;
using Payments.Load.Clients;

namespace Payments.Load.Demo;

/// <summary>
/// The demo behind a bare <c>./run.sh</c>: a few hundred payments through the running stack, a portal outage partway through
/// and then an outage of the webhook endpoint, one status line a second, and a summary at the end. Once the payments have
/// settled it waits for their webhook events to be delivered. Exits non-zero when a payment ends in a status it should not
/// have, when a settled payment's event is not delivered in time, or when the receiver saw an invalid signature. Its timeline
/// (the same picture as the reliability suite's) goes to <see cref="DemoSettings.Timeline"/>.
/// </summary>
public sealed class DemoRunner(PaymentsApiClient api, SimulatorClient simulator, DemoSettings settings, TextWriter output)
{
    private static readonly string[] _statusOrder = ["AwaitingTransaction", "Verifying", "Confirmed", "Failed", "Expired", "NeedsReview"];
    private static readonly HashSet<string> _final = ["Confirmed", "Failed", "Expired"];

    /// <summary>How long a payment's calls are retried before the demo reports it as not submitted.</summary>
    private static readonly TimeSpan _giveUpAfter = TimeSpan.FromSeconds(30);

    /// <summary>What the webhook endpoint answers during its outage.</summary>
    private const int EndpointOutageStatus = 503;

    /// <summary>The breaker of the webhook endpoint of client <c>default</c>, the demo's.</summary>
    private const string WebhookBreaker = "Webhooks.default";

    private readonly Stopwatch _clock = new();
    private readonly List<(double At, string What)> _events = [];
    private DateTimeOffset _startedAt;
    private readonly Dictionary<string, string> _breakerStates = [];
    private readonly HashSet<string> _transitionsSeen = [];
    private readonly List<BreakerTransition> _webhookBreakerTransitions = [];
    private ChaosTimeline? _timeline;
    private IReadOnlyDictionary<string, int> _statusCounts = new Dictionary<string, int>();
    private (double From, double To)? _outageWindow;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var plan = DemoPayment.Plan(settings.Payments, settings.Seed);
        await simulator.ResetAsync(cancellationToken);
        await simulator.SetFaultAsync("none", cancellationToken);
        await simulator.SetWebhookFaultAsync(settings.WebhookEndpoint, "none", null, cancellationToken);

        output.WriteLine(
            $"Demo: {plan.Count} payments over {settings.SubmitOver.TotalSeconds:0} s " +
            $"({plan.Count(p => p.Kind == PaymentKind.Valid)} valid, {plan.Count(p => p.Kind == PaymentKind.Pending)} pending for a while, " +
            $"{plan.Count(p => p.Kind == PaymentKind.Underpaid)} underpaid, {plan.Count(p => p.Kind == PaymentKind.FailedOnChain)} failed on chain); " +
            $"portal outage from {settings.OutageAt.TotalSeconds:0} s for {settings.OutageFor.TotalSeconds:0} s; " +
            $"webhook endpoint {settings.WebhookEndpoint} answering {EndpointOutageStatus} from {settings.EndpointOutageAt.TotalSeconds:0} s " +
            $"for {settings.EndpointOutageFor.TotalSeconds:0} s.");

        _clock.Start();
        _startedAt = DateTimeOffset.UtcNow;
        _timeline = new ChaosTimeline(_ => Task.FromResult(_statusCounts), simulator, api);
        using var stopTimeline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampling = _timeline.RunAsync(stopTimeline.Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var submitting = SubmitAllAsync(plan, stop.Token);
        var outage = RunOutageAsync(stop.Token);
        var endpointOutage = RunEndpointOutageAsync(stop.Token);

        var deadline = settings.SubmitOver + settings.Settle;
        Dictionary<string, int> counts = [];
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            await RefreshAsync(plan, cancellationToken);
            counts = plan.GroupBy(p => p.Status ?? "not submitted").ToDictionary(g => g.Key, g => g.Count());
            _statusCounts = counts;
            await ObserveBreakersAsync(cancellationToken);
            WriteLiveLine(plan, counts);

            var settled = submitting.IsCompleted && outage.IsCompleted && endpointOutage.IsCompleted && plan.All(p =>
                (p.Reference is null && p.LastError is not null) || IsSettled(p));
            if (settled || _clock.Elapsed > deadline)
            {
                break;
            }
        }

        await stop.CancelAsync();
        await submitting;
        var outageRequests = await outage;
        var endpointOutageWindow = await endpointOutage;

        // The events of the settled payments: each one delivered, or the wait runs out.
        var webhookDeadline = _clock.Elapsed + settings.WebhookSettle;
        while (plan.Any(p => IsSettled(p) && p.Document?.Webhook?.Status == WebhookStatus.Pending) && _clock.Elapsed < webhookDeadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            await RefreshAsync(plan, cancellationToken);
            await ObserveBreakersAsync(cancellationToken);
            WriteLiveLine(plan, counts);
        }

        if (!Console.IsOutputRedirected)
        {
            output.WriteLine();
        }

        await stopTimeline.CancelAsync();
        await sampling;
        TimelinePicture.Save("demo: portal outage, then webhook endpoint outage", _timeline.Samples, _timeline.Marks, _outageWindow, settings.Timeline);

        var receiver = await simulator.GetWebhooksAsync(settings.WebhookEndpoint, cancellationToken);
        var webhooks = WebhookFigures.From(
            plan.Where(IsSettled).Select(p => p.Document!), receiver, endpointOutageWindow, _webhookBreakerTransitions);
        return WriteSummary(plan, counts, outageRequests, webhooks);
    }

    private static bool IsSettled(DemoPayment payment) =>
        payment.Document is { } document && (_final.Contains(document.Status) || document.Status == "NeedsReview");

    private async Task SubmitAllAsync(IReadOnlyList<DemoPayment> plan, CancellationToken cancellationToken)
    {
        var interval = settings.SubmitOver / plan.Count;
        for (var i = 0; i < plan.Count; i++)
        {
            var due = interval * i;
            if (_clock.Elapsed < due)
            {
                await Task.Delay(due - _clock.Elapsed, cancellationToken);
            }

            var payment = plan[i];
            try
            {
                var idempotencyKey = Guid.NewGuid().ToString("N");
                payment.Reference = await ClientRetry.RunAsync(
                    token => api.InitiateAsync(payment.UserId, payment.Amount, payment.Token, payment.Recipient, token, idempotencyKey),
                    _giveUpAfter,
                    cancellationToken);
                payment.Simulated = payment.Simulated with { Reference = payment.Reference };
                await simulator.RegisterAsync(payment.Simulated, cancellationToken);
                await ClientRetry.RunAsync(token => api.SubmitAsync(payment.Reference, payment.Simulated.TransactionId, token), _giveUpAfter, cancellationToken);
                payment.Status = "Verifying";
            }
            catch (HttpRequestException exception)
            {
                payment.LastError = exception.Message;
                Record($"payment {i} could not be submitted: {exception.Message}");
            }
        }
    }

    /// <summary>Takes the portal down and back up; returns the portal requests seen while it was down.</summary>
    private async Task<long> RunOutageAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(settings.OutageAt, cancellationToken);
        var before = await simulator.GetTotalRequestsAsync(cancellationToken);
        await simulator.SetFaultAsync("down", CancellationToken.None);
        Record("portal DOWN (fault injected)");
        var from = _timeline!.Now;
        _timeline.Mark("portal down");
        try
        {
            await Task.Delay(settings.OutageFor, cancellationToken);
        }
        finally
        {
            await simulator.SetFaultAsync("none", CancellationToken.None);
            Record("portal back UP");
            _timeline.Mark("portal up");
            _outageWindow = (from, _timeline.Now);
        }

        return await simulator.GetTotalRequestsAsync(CancellationToken.None) - before;
    }

    /// <summary>Takes the webhook endpoint down (it answers every delivery with a failure) and back up; returns when it was down.</summary>
    private async Task<EndpointOutage?> RunEndpointOutageAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(settings.EndpointOutageAt, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The payments ran out of time before the outage was due.
            return null;
        }

        await simulator.SetWebhookFaultAsync(settings.WebhookEndpoint, "fail", EndpointOutageStatus, CancellationToken.None);
        var from = Now();
        Record($"webhook endpoint {settings.WebhookEndpoint} DOWN (answers {EndpointOutageStatus})");
        _timeline!.Mark("webhook endpoint down");
        DateTimeOffset to;
        try
        {
            await Task.Delay(settings.EndpointOutageFor, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The payments ran out of time: the endpoint comes back at once, so that their events can still be delivered.
        }
        finally
        {
            // Taken before the endpoint is back: whatever is delivered after this was delivered after the outage.
            to = Now();
            await simulator.SetWebhookFaultAsync(settings.WebhookEndpoint, "none", null, CancellationToken.None);
            Record($"webhook endpoint {settings.WebhookEndpoint} back UP");
            _timeline.Mark("webhook endpoint up");
        }

        return new EndpointOutage(from, to, EndpointOutageStatus);
    }

    private DateTimeOffset Now() => _startedAt + _clock.Elapsed;

    /// <summary>Payments still on their way, and settled ones whose webhook event is not delivered yet.</summary>
    private async Task RefreshAsync(IReadOnlyList<DemoPayment> plan, CancellationToken cancellationToken)
    {
        var open = plan.Where(p => p.Reference is not null
            && (p.Status is null || !_final.Contains(p.Status) || p.Document?.Webhook?.Status == WebhookStatus.Pending)).ToList();
        await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (payment, token) =>
        {
            var status = await api.GetAsync(payment.Reference!, token);
            payment.Document = status;
            payment.Status = status.Status;
            payment.LastError = status.LastError;
        });
    }

    private async Task ObserveBreakersAsync(CancellationToken cancellationToken)
    {
        JsonElement health;
        try
        {
            health = await api.GetCircuitBreakersAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return;
        }

        foreach (var breaker in health.GetProperty("circuitBreakers").EnumerateArray())
        {
            var key = $"{breaker.GetProperty("name").GetString()}@{breaker.GetProperty("instance").GetString()}";
            var state = breaker.GetProperty("state").GetString()!;
            if (breaker.TryGetProperty("transitions", out var transitions))
            {
                // The consumer keeps its recent transitions, so even a half-open phase shorter than a second is shown.
                foreach (var transition in transitions.EnumerateArray())
                {
                    var at = transition.GetProperty("at").GetDateTimeOffset();
                    if (at < _startedAt)
                    {
                        // From before this demo (an earlier run against the same consumer).
                        continue;
                    }

                    var from = transition.GetProperty("from").GetString()!;
                    var to = transition.GetProperty("to").GetString()!;
                    var line = $"{key}: {from} → {to}";
                    if (_transitionsSeen.Add(line + at.ToString("O", CultureInfo.InvariantCulture)))
                    {
                        Record(line, at);
                        if (breaker.GetProperty("name").GetString() == WebhookBreaker)
                        {
                            _webhookBreakerTransitions.Add(new BreakerTransition(at, from, to));
                        }
                    }
                }
            }
            else if (!_breakerStates.TryGetValue(key, out var previous) || previous != state)
            {
                Record($"{key}: {previous ?? "?"} → {state}");
            }

            _breakerStates[key] = state;
        }
    }

    /// <summary>An event for the summary, at seconds since the demo started (a breaker's own timestamp when it has one).</summary>
    private void Record(string what, DateTimeOffset? at = null)
    {
        var seconds = at is null ? _clock.Elapsed.TotalSeconds : (at.Value - _startedAt).TotalSeconds;
        lock (_events)
        {
            _events.Add((seconds, what));
        }
    }

    private void WriteLiveLine(IReadOnlyList<DemoPayment> plan, Dictionary<string, int> counts)
    {
        var submitted = plan.Count(p => p.Reference is not null);
        var statuses = string.Join(" ", _statusOrder.Select(s => $"{s}={counts.GetValueOrDefault(s)}"));
        var breakers = BreakerStates.Line(_breakerStates);
        var line = $"t={_clock.Elapsed.TotalSeconds,5:0}s submitted={submitted}/{settings.Payments} {statuses} | {WebhookProgress(plan)} | {breakers}";
        if (Console.IsOutputRedirected)
        {
            output.WriteLine(line);
        }
        else
        {
            output.Write("\r" + line.PadRight(Math.Max(line.Length, Console.WindowWidth - 1)));
        }
    }

    /// <summary>The events known so far: delivered, still pending (retries included), undelivered.</summary>
    private static string WebhookProgress(IReadOnlyList<DemoPayment> plan)
    {
        var webhooks = plan.Select(p => p.Document?.Webhook).OfType<WebhookStatus>().ToList();
        var delivered = webhooks.Count(w => w.Status == WebhookStatus.Delivered);
        var retrying = webhooks.Count(w => w.Status == WebhookStatus.Pending && w.Attempts > 0);
        var undelivered = webhooks.Count(w => w.Status == WebhookStatus.Undelivered);
        return $"webhooks delivered={delivered}/{webhooks.Count} retrying={retrying}" + (undelivered > 0 ? $" undelivered={undelivered}" : "");
    }

    private int WriteSummary(IReadOnlyList<DemoPayment> plan, Dictionary<string, int> counts, long outageRequests, WebhookFigures webhooks)
    {
        output.WriteLine();
        output.WriteLine($"Summary after {_clock.Elapsed.TotalSeconds:0} s");
        output.WriteLine("  payments per status: " + string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")));
        output.WriteLine("  events:");
        lock (_events)
        {
            foreach (var (at, what) in _events.OrderBy(e => e.At))
            {
                output.WriteLine($"  {at,6:0.0}s  {what}");
            }
        }

        output.WriteLine($"  portal requests while the portal was down: {outageRequests}");
        var wrong = plan.Where(p => p.Status != p.ExpectedStatus).ToList();
        foreach (var payment in wrong.Take(10))
        {
            output.WriteLine($"  UNEXPECTED: {payment.Kind} payment {payment.Reference} is {payment.Status ?? "not submitted"}, expected {payment.ExpectedStatus} ({payment.LastError})");
        }

        output.WriteLine(wrong.Count == 0
            ? "  every payment reached the status it should: valid and pending ones Confirmed, underpaid ones NeedsReview (underpaid), failed transactions Failed."
            : $"  {wrong.Count} payment(s) did not reach the expected status.");
        foreach (var line in webhooks.Lines(settings.WebhookEndpoint, WebhookBreaker))
        {
            output.WriteLine(line);
        }

        output.WriteLine();
        output.WriteLine("Where to look:");
        output.WriteLine($"  RabbitMQ management UI  http://localhost:15672  (guest / guest; virtual host payments)");
        output.WriteLine($"  API OpenAPI document    {settings.ApiUrl}/openapi/v1.json  (open in Development, else X-Admin-Key; X-Api-Key: {settings.ApiKey}; admin X-Admin-Key: {settings.AdminKey})");
        output.WriteLine($"  breaker health          {settings.ApiUrl}/api/health/circuit-breaker");
        output.WriteLine("  metrics                 http://localhost:5079/metrics (API management port), http://localhost:5081/metrics (consumer)");
        output.WriteLine($"  portal simulator        {settings.SimulatorUrl}/_sim/stats");
        output.WriteLine($"  webhook receiver        {settings.SimulatorUrl}/_sim/webhooks/{settings.WebhookEndpoint}");
        output.WriteLine($"  timeline of this run    {Path.GetFullPath(settings.Timeline)}");
        return wrong.Count == 0 && !webhooks.Failed ? 0 : 1;
    }
}

public sealed record DemoSettings(
    string ApiUrl,
    string ApiKey,
    string AdminKey,
    string SimulatorUrl,
    int Payments,
    TimeSpan SubmitOver,
    TimeSpan OutageAt,
    TimeSpan OutageFor,
    TimeSpan EndpointOutageAt,
    TimeSpan EndpointOutageFor,
    TimeSpan Settle,
    TimeSpan WebhookSettle,
    string WebhookEndpoint,
    int Seed,
    string Timeline);

public enum PaymentKind { Valid, Pending, Underpaid, FailedOnChain }

public sealed class DemoPayment
{
    public required PaymentKind Kind { get; init; }
    public required string UserId { get; init; }
    public required string Token { get; init; }
    public required string Amount { get; init; }
    public required string Recipient { get; init; }
    public required SimulatedTransaction Simulated { get; set; }
    public string? Reference { get; set; }
    public string? Status { get; set; }
    public string? LastError { get; set; }

    /// <summary>The status document last read, once there is one.</summary>
    public PaymentStatus? Document { get; set; }

    // The money of an underpaid payment reached the recipient: someone must refund or top up, so it waits for review.
    public string ExpectedStatus => Kind switch
    {
        PaymentKind.Valid or PaymentKind.Pending => "Confirmed",
        PaymentKind.Underpaid => "NeedsReview",
        _ => "Failed",
    };

    public static IReadOnlyList<DemoPayment> Plan(int count, int seed)
    {
        var random = new Random(seed);
        var payments = new List<DemoPayment>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = random.NextDouble();
            var kind = roll switch
            {
                < 0.08 => PaymentKind.Underpaid,
                < 0.15 => PaymentKind.Pending,
                < 0.18 => PaymentKind.FailedOnChain,
                _ => PaymentKind.Valid,
            };
            var usdc = random.Next(2) == 0;
            var token = usdc ? "USDC" : "WLD";
            var decimals = usdc ? 6 : 18;
            var cents = random.Next(1, 10_000);
            var amount = (cents / 100m).ToString("0.##", CultureInfo.InvariantCulture);
            var baseUnits = BigInteger.Parse(cents.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) * BigInteger.Pow(10, decimals - 2);
            var paid = kind == PaymentKind.Underpaid ? baseUnits - BigInteger.Pow(10, decimals - 2) : baseUnits;
            var recipient = OnChain.NewAddress();
            payments.Add(new DemoPayment
            {
                Kind = kind,
                UserId = $"demo-user-{i % 37}",
                Token = token,
                Amount = amount,
                Recipient = recipient,
                Simulated = new SimulatedTransaction(
                    TransactionId: OnChain.NewTransactionId(),
                    Reference: "",
                    To: recipient,
                    Token: token,
                    TokenAmount: paid.ToString(CultureInfo.InvariantCulture),
                    FinalStatus: kind == PaymentKind.FailedOnChain ? "failed" : "mined",
                    PendingPolls: kind == PaymentKind.Pending ? 2 : 0,
                    HashMissingPolls: kind == PaymentKind.Pending ? 1 : 0),
            });
        }

        return payments;
    }
}
