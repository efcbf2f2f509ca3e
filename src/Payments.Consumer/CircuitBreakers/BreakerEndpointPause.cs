using MassTransit;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Breaker = Payments.CircuitBreaker.CircuitBreaker;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// Stops a receive endpoint from taking messages while its breaker is OPEN, and starts it again for the probe (once the
/// window is over and the fleet lets this instance probe, <see cref="CircuitBreakerFleet.MayProbe"/>) and on CLOSED. The
/// messages wait in the queue, durable and visible; the ones already delivered when the circuit opened are deferred by
/// their consumer as usual. An isolated breaker keeps the endpoint stopped until it is reset.
/// </summary>
/// <remarks>
/// Stopping waits for the messages in flight, so it runs on its own loop, never on a consumer's thread (the consumer whose
/// failure opened the circuit is one of them). The loop ends when the application starts stopping, before the bus does,
/// so it never starts an endpoint of a stopped bus.
/// </remarks>
internal sealed class BreakerEndpointPause : BackgroundService, IReceiveEndpointObserver
{
    // A safety net only: every change wakes the loop, and an open window's end is waited for exactly.
    private static readonly TimeSpan _longestWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan _retryAfterFailure = TimeSpan.FromSeconds(1);

    private readonly Breaker _breaker;
    private readonly CircuitBreakerFleet _fleet;
    private readonly bool _enabled;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly CircuitBreakerFleetTelemetry _telemetry;
    private readonly ILogger<BreakerEndpointPause> _logger;
    private readonly SemaphoreSlim _wake = new(0);
    private IReceiveEndpoint? _endpoint;
    private volatile bool _paused;

    public BreakerEndpointPause(
        string queueName,
        string breakerName,
        ICircuitBreakerRegistry registry,
        CircuitBreakerFleet fleet,
        IOptions<CircuitBreakerFleetOptions> options,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        CircuitBreakerFleetTelemetry telemetry,
        ILogger<BreakerEndpointPause> logger)
    {
        QueueName = queueName;
        _breaker = registry.Get(breakerName);
        _fleet = fleet;
        _enabled = options.Value.PauseWhileOpen;
        _time = time;
        _lifetime = lifetime;
        _telemetry = telemetry;
        _logger = logger;
    }

    /// <summary>The queue of the paused endpoint.</summary>
    public string QueueName { get; }

    /// <summary>The breaker that pauses it.</summary>
    public string BreakerName => _breaker.Name;

    /// <summary>True while the endpoint is stopped.</summary>
    public bool Paused => _paused;

    /// <summary>Asks the loop to look at the breaker again.</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _lifetime.ApplicationStopping);
        var token = stopping.Token;
        _breaker.StateChanged += OnStateChanged;
        _fleet.Changed += Wake;
        try
        {
            while (!token.IsCancellationRequested)
            {
                var wait = await ApplyAsync(token);
                using var timeout = new CancellationTokenSource(wait, _time);
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
                try
                {
                    await _wake.WaitAsync(wake.Token);
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        finally
        {
            _breaker.StateChanged -= OnStateChanged;
            _fleet.Changed -= Wake;
        }
    }

    /// <summary>Pauses or resumes as the breaker says; returns how long to wait before looking again unasked.</summary>
    internal async Task<TimeSpan> ApplyAsync(CancellationToken cancellationToken)
    {
        var (pause, lookAgain) = Decide();
        var endpoint = Volatile.Read(ref _endpoint);
        if (endpoint is not null && pause != _paused)
        {
            try
            {
                if (pause)
                {
                    await endpoint.Stop(cancellationToken);
                    Log.EndpointPaused(_logger, QueueName, _breaker.Name);
                }
                else
                {
                    var handle = endpoint.Start(cancellationToken);
                    await handle.Ready.WaitAsync(cancellationToken);
                    Log.EndpointResumed(_logger, QueueName, _breaker.Name);
                }

                _paused = pause;
                _telemetry.RecordPause(QueueName, pause);
                _fleet.SetPaused(QueueName, pause);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                Log.EndpointPauseFailed(_logger, QueueName, exception);
                return _retryAfterFailure;
            }
        }

        if (lookAgain is not { } at)
        {
            return _longestWait;
        }

        // A little past the deadline, so the breaker's own clock has passed it too when the loop looks again.
        var wait = at - _time.GetUtcNow() + TimeSpan.FromMilliseconds(5);
        return wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(5) : wait < _longestWait ? wait : _longestWait;
    }

    /// <summary>Whether the endpoint should take no messages now, and when that can change without a notice.</summary>
    internal (bool Pause, DateTimeOffset? LookAgainAt) Decide()
    {
        var stats = _breaker.GetStats();
        if (!_enabled || stats.State != CircuitState.Open)
        {
            return (false, null);
        }

        if (stats.Isolated)
        {
            return (true, null);
        }

        var now = _time.GetUtcNow();
        if (stats.OpenUntil is { } until && until > now)
        {
            return (true, until);
        }

        return _fleet.MayProbe(out var askAgainAt) ? (false, null) : (true, askAgainAt);
    }

    private void OnStateChanged(CircuitStateChange change) => Wake();

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (IsOurs(ready.InputAddress))
        {
            Interlocked.CompareExchange(ref _endpoint, ready.ReceiveEndpoint, null);
            Wake();
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private bool IsOurs(Uri inputAddress) =>
        string.Equals(inputAddress.AbsolutePath.TrimEnd('/').Split('/')[^1], QueueName, StringComparison.Ordinal);

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
