using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// Publishes this instance's breakers on every state change and as a heartbeat, so the API can show every instance and
/// operators see an outage as it starts. Also exports since when each breaker has not been CLOSED, so an alert can fire on
/// "open for too long" even when no traffic arrives to move the breaker on, and even while failed probes keep re-opening it.
/// </summary>
internal sealed class CircuitBreakerReporter : BackgroundService
{
    private readonly ICircuitBreakerRegistry _registry;
    private readonly CircuitBreakerFleet _fleet;
    private readonly IBus _bus;
    private readonly PublishDeadline _deadline;
    private readonly ConsumerInstance _instance;
    private readonly TimeProvider _time;
    private readonly CircuitBreakerReportingOptions _options;
    private readonly ILogger<CircuitBreakerReporter> _logger;
    private readonly Dictionary<string, Queue<CircuitBreakerTransition>> _transitions = [];
    private readonly Dictionary<string, DateTimeOffset> _notClosedSince = [];
    private readonly SemaphoreSlim _reportNow = new(0);

    public CircuitBreakerReporter(
        ICircuitBreakerRegistry registry,
        CircuitBreakerFleet fleet,
        IBus bus,
        PublishDeadline deadline,
        ConsumerInstance instance,
        TimeProvider time,
        IOptions<CircuitBreakerReportingOptions> options,
        IMeterFactory meterFactory,
        ILogger<CircuitBreakerReporter> logger)
    {
        _registry = registry;
        _fleet = fleet;
        _bus = bus;
        _deadline = deadline;
        _instance = instance;
        _time = time;
        _options = options.Value;
        _logger = logger;
        // The portal breaker exists from the start (hosted services are built before the bus starts), so it is reported
        // before the first portal call and an operator's action never finds it missing.
        _registry.Get(CircuitBreakerPresets.DeveloperPortal);
        // The fleet's view and the paused endpoints are news for the peers and the API as much as a transition is.
        _fleet.Changed += RequestReport;
        var meter = meterFactory.Create("Payments.Consumer");
        meter.CreateObservableGauge(
            "payments.circuit_breaker.open_since",
            ObserveOpenSince,
            unit: "s",
            description: "Unix time since which each breaker has not been CLOSED (first open of the outage); 0 while it is closed.");
    }

    /// <summary>Asks for a report now (after an operator action, say) instead of at the next heartbeat.</summary>
    public void RequestReport() => _reportNow.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscribed = new HashSet<string>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var breaker in _registry.All)
            {
                if (subscribed.Add(breaker.Name))
                {
                    breaker.StateChanged += OnStateChanged;
                    var stats = breaker.GetStats();
                    if (stats.State != CircuitState.Closed)
                    {
                        lock (_transitions)
                        {
                            _notClosedSince.TryAdd(breaker.Name, stats.OpenedAt ?? stats.LastStateChange);
                        }
                    }
                }
            }

            try
            {
                // Bounded: a report stuck on a lost confirmation would silence this instance for the fleet.
                await _deadline.RunAsync(token => _bus.Publish(BuildReport(), token), stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Log.BreakerReportFailed(_logger, exception);
            }

            // Wakes at the next heartbeat, or earlier when a transition or an operator asks for a report.
            using var heartbeat = new CancellationTokenSource(_options.HeartbeatInterval, _time);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, heartbeat.Token);
            try
            {
                await _reportNow.WaitAsync(wake.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
    }

    internal CircuitBreakerStatusReported BuildReport()
    {
        var breakers = _registry.All
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .Select(b => ToStatus(b.GetStats()))
            .ToList();
        return new CircuitBreakerStatusReported(_instance.Id, _time.GetUtcNow(), _options.HeartbeatInterval, breakers);
    }

    private CircuitBreakerStatus ToStatus(CircuitBreakerStats stats)
    {
        CircuitBreakerTransition[] transitions;
        lock (_transitions)
        {
            transitions = _transitions.TryGetValue(stats.Name, out var queue) ? [.. queue] : [];
        }

        var portal = string.Equals(stats.Name, CircuitBreakerFleet.SharedBreaker, StringComparison.Ordinal);
        var shared = portal && _fleet.Enabled;
        return new CircuitBreakerStatus(
            stats.Name,
            stats.State.ToDisplayString(),
            stats.Failures,
            stats.Successes,
            stats.LastFailureTime,
            stats.LastStateChange,
            stats.OpenedAt,
            stats.TotalAttempts,
            stats.TotalFailures,
            stats.TotalSuccesses,
            stats.TotalRejected,
            stats.RetryAfter?.TotalSeconds,
            transitions)
        {
            Fleet = shared ? _fleet.View : null,
            HeldBy = shared && stats.State != CircuitState.Closed ? _fleet.HeldBy : null,
            PausedEndpoints = portal ? _fleet.PausedEndpoints : [],
        };
    }

    private void OnStateChanged(CircuitStateChange change)
    {
        lock (_transitions)
        {
            if (!_transitions.TryGetValue(change.Name, out var queue))
            {
                _transitions[change.Name] = queue = new Queue<CircuitBreakerTransition>();
            }

            queue.Enqueue(new CircuitBreakerTransition(change.From.ToDisplayString(), change.To.ToDisplayString(), change.At));
            if (change.To == CircuitState.Closed)
            {
                _notClosedSince.Remove(change.Name);
            }
            else
            {
                _notClosedSince.TryAdd(change.Name, change.At);
            }

            while (queue.Count > _options.RecentTransitions)
            {
                queue.Dequeue();
            }
        }

        RequestReport();
    }

    /// <summary>Since when the breaker has not been CLOSED; null while it is closed.</summary>
    internal DateTimeOffset? OpenSince(string name)
    {
        lock (_transitions)
        {
            return _notClosedSince.TryGetValue(name, out var at) ? at : null;
        }
    }

    private IEnumerable<Measurement<double>> ObserveOpenSince()
    {
        List<Measurement<double>> measurements = [];
        lock (_transitions)
        {
            foreach (var breaker in _registry.All)
            {
                var since = _notClosedSince.TryGetValue(breaker.Name, out var at) ? at.ToUnixTimeMilliseconds() / 1000d : 0;
                measurements.Add(new Measurement<double>(since, new KeyValuePair<string, object?>("name", breaker.Name)));
            }
        }

        return measurements;
    }

    public override void Dispose()
    {
        _fleet.Changed -= RequestReport;
        _reportNow.Dispose();
        base.Dispose();
    }
}
