using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Payments.CircuitBreaker;

/// <summary>
/// A consecutive-failure circuit breaker with bounded half-open probes, three-way outcomes, generation-checked results and all
/// time read through a <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
/// <remarks>
/// The state and a generation number (incremented on every state change and on <see cref="Reset"/>) are packed into one word,
/// so the CLOSED path and the rejection of an OPEN circuit read it without taking the lock; every change of state happens under a
/// small lock. A call's result counts only if its permit was issued in the current generation.
/// </remarks>
public sealed partial class CircuitBreaker
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CircuitBreakerTelemetry? _telemetry;
    private readonly int _failureThreshold;
    private readonly int _successThreshold;
    private readonly int _halfOpenPermits;
    private readonly TimeSpan _openTimeout;

    private DateTimeOffset? _lastFailureTime;
    private DateTimeOffset _lastStateChange;
    private DateTimeOffset? _openedAt;

    /// <summary>Creates a breaker in CLOSED.</summary>
    /// <param name="name">The name used in logs, metrics and stats.</param>
    /// <param name="options">The settings; copied, later changes have no effect.</param>
    /// <param name="timeProvider">The source of all time readings.</param>
    /// <param name="logger">Receives the transition log lines.</param>
    /// <param name="telemetry">Receives metrics; none when null.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public CircuitBreaker(
        string name,
        CircuitBreakerOptions options,
        TimeProvider timeProvider,
        ILogger? logger = null,
        CircuitBreakerTelemetry? telemetry = null)
        : this(name, options, timeProvider, coarseTicks: null, logger, telemetry)
    {
    }

    // coarseTicks stands in for Environment.TickCount64 in tests, which then drive both clocks; it turns the coarse clock on
    // whatever the TimeProvider.
    internal CircuitBreaker(
        string name,
        CircuitBreakerOptions options,
        TimeProvider timeProvider,
        Func<long>? coarseTicks,
        ILogger? logger,
        CircuitBreakerTelemetry? telemetry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var errors = options.Validate($"CircuitBreakers:{name}");
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }

        Name = name;
        _timeProvider = timeProvider;
        _logger = logger ?? NullLogger.Instance;
        _telemetry = telemetry;
        _failureThreshold = options.FailureThreshold;
        _successThreshold = options.SuccessThreshold;
        _halfOpenPermits = options.HalfOpenPermits;
        _openTimeout = options.OpenTimeout;
        _timeSpanTicksPerTimestampTick = (double)TimeSpan.TicksPerSecond / timeProvider.TimestampFrequency;
        _openTimeoutTimestampTicks = ToTimestampTicks(options.OpenTimeout);
        _probeTimeoutTimestampTicks = ToTimestampTicks(options.ProbeTimeout);

        // Only the system clock has a cheap coarse counterpart that runs with it; any other provider (a fake one in tests) is
        // always read directly, so its time alone decides.
        _coarseClock = coarseTicks is not null || ReferenceEquals(timeProvider, TimeProvider.System);
        _coarseTicks = coarseTicks;
        _openTimeoutMilliseconds = ToCoarseMilliseconds(options.OpenTimeout);
        _probeIds = new long[options.HalfOpenPermits];
        _probeStarts = new long[options.HalfOpenPermits];
        _lastStateChange = timeProvider.GetUtcNow();
        telemetry?.Track(this);
    }

    /// <summary>The breaker's name.</summary>
    public string Name { get; }

    /// <summary>
    /// The stored state. An OPEN circuit whose timeout has elapsed reports OPEN until the next call is let through as a probe
    /// (see <see cref="CircuitBreakerStats.RetryAfter"/>, which is then zero).
    /// </summary>
    public CircuitState State => ToState(Volatile.Read(ref _stateWord));

    /// <summary>Returns a consistent snapshot of the state and counters.</summary>
    public CircuitBreakerStats GetStats()
    {
        lock (_lock)
        {
            var word = _stateWord;
            var bits = (int)(word & StateMask);
            TimeSpan? retryAfter = null;
            DateTimeOffset? openUntil = null;
            if (bits != ClosedBits)
            {
                var now = _timeProvider.GetTimestamp();
                retryAfter = RetryAfterLocked(bits, now);
                if (bits == OpenBits)
                {
                    openUntil = SaturatingAdd(_timeProvider.GetUtcNow(), retryAfter.Value);
                }
            }

            return new CircuitBreakerStats(
                Name,
                ToState(word),
                _failures,
                _successes,
                _lastFailureTime,
                _lastStateChange,
                _openedAt,
                Interlocked.Read(ref _totalAttempts),
                Interlocked.Read(ref _totalFailures),
                Interlocked.Read(ref _totalSuccesses),
                Interlocked.Read(ref _totalRejected.Value),
                retryAfter)
            {
                TotalIgnored = Interlocked.Read(ref _totalIgnored),
                Isolated = bits == IsolatedBits,
                OpenUntil = openUntil,
            };
        }
    }

    /// <summary>
    /// The non-throwing entry point. Returns true with a permit to run one call, which must then be completed with its outcome;
    /// or false when rejected, with <paramref name="retryAfter"/> the time until a call may be let through: the rest of the open
    /// window; <see cref="CircuitBreakerOptions.OpenTimeout"/> while isolated; in HALF_OPEN with every permit taken, the time
    /// until the oldest probe's <see cref="CircuitBreakerOptions.ProbeTimeout"/> ends.
    /// </summary>
    public bool TryAcquire(out CircuitPermit permit, out TimeSpan retryAfter)
    {
        var word = Volatile.Read(ref _stateWord);
        var bits = (int)(word & StateMask);
        if (bits == ClosedBits)
        {
            Interlocked.Increment(ref _totalAttempts);
            var start = _telemetry is { CallDurationEnabled: true } ? _timeProvider.GetTimestamp() : 0;
            permit = new CircuitPermit(this, word >> 2, 0, start);
            retryAfter = TimeSpan.Zero;
            return true;
        }

        if (bits == OpenBits)
        {
            if (_coarseClock)
            {
                // Well inside the window by the coarse clock (a fraction of the precise clock's cost): reject on it alone. Near
                // or past the deadline the precise clock below decides, so a probe is never let through early. Read before the
                // precise clock: a pause after this read only makes the answer older, as if the call had come earlier.
                var tick = CoarseNow();
                var coarseDeadline = Volatile.Read(ref _coarseOpenDeadline);
                if (tick < coarseDeadline - CoarseMarginMilliseconds)
                {
                    retryAfter = new TimeSpan((coarseDeadline - tick) * TimeSpan.TicksPerMillisecond);
                    permit = default;
                    RecordRejection();
                    return false;
                }
            }

            var now = _timeProvider.GetTimestamp();
            var deadline = Volatile.Read(ref _openDeadline);
            if (now < deadline)
            {
                retryAfter = ToTimeSpan(deadline - now);
                permit = default;
                RecordRejection();
                return false;
            }
        }
        else if (bits == IsolatedBits)
        {
            // No clock read: an isolated circuit has no deadline, RetryAfter is the configured open timeout.
            retryAfter = _openTimeout;
            permit = default;
            RecordRejection();
            return false;
        }

        return TryAcquireSlow(out permit, out retryAfter);
    }

    /// <summary>
    /// Closes the circuit and clears the failure and success counts and the last failure time; totals are kept. Results of calls
    /// started before the reset are dropped. Also ends an isolation.
    /// </summary>
    public void Reset()
    {
        lock (_lock)
        {
            if ((int)(_stateWord & StateMask) == ClosedBits)
            {
                Volatile.Write(ref _stateWord, NextWord(ClosedBits));
                _failures = 0;
                _successes = 0;
            }
            else
            {
                TransitionLocked(ClosedBits, CircuitChangeReason.Reset);
            }

            _lastFailureTime = null;
        }

        DispatchPendingChanges();
    }

    /// <summary>
    /// Holds the circuit OPEN until <see cref="Reset"/>: every call is rejected with a RetryAfter of
    /// <see cref="CircuitBreakerOptions.OpenTimeout"/> (there is no earlier time at which a call is known to be let through).
    /// </summary>
    public void Isolate()
    {
        lock (_lock)
        {
            if ((int)(_stateWord & StateMask) != IsolatedBits)
            {
                TransitionLocked(IsolatedBits, CircuitChangeReason.Isolated);
            }
        }

        DispatchPendingChanges();
    }

    /// <summary>
    /// Opens the circuit on outside evidence (for example a peer instance saw the failures) until <paramref name="openFor"/> from
    /// now; a negative duration counts as zero. From CLOSED or HALF_OPEN this is a change to OPEN with reason
    /// <see cref="CircuitChangeReason.Held"/> (probes in flight lose their permits, as on every change). While OPEN it moves the
    /// end of the open window to <paramref name="openFor"/> from now, earlier or later, without a state change. After the window
    /// the circuit goes HALF_OPEN on the next call, as after any open window.
    /// </summary>
    /// <param name="openFor">How long from now the circuit stays OPEN.</param>
    /// <returns>True when applied; false while isolated (<see cref="Isolate"/>), which this leaves untouched.</returns>
    public bool HoldOpen(TimeSpan openFor)
    {
        if (openFor < TimeSpan.Zero)
        {
            openFor = TimeSpan.Zero;
        }

        var openForTicks = ToTimestampTicks(openFor);
        var openForMilliseconds = ToCoarseMilliseconds(openFor);
        lock (_lock)
        {
            var bits = (int)(_stateWord & StateMask);
            if (bits == IsolatedBits)
            {
                return false;
            }

            var tick = _coarseClock ? CoarseNow() : 0;
            var now = _timeProvider.GetTimestamp();
            if (bits != OpenBits)
            {
                TransitionLocked(OpenBits, CircuitChangeReason.Held);
            }

            SetOpenWindowLocked(tick, now, openForTicks, openForMilliseconds);
        }

        DispatchPendingChanges();
        return true;
    }

    /// <summary>
    /// Ends the open window now, so the next call is let through as a probe (the circuit then goes HALF_OPEN with reason
    /// <see cref="CircuitChangeReason.OpenWindowEnded"/>, as after any open window).
    /// </summary>
    /// <returns>True when the circuit was OPEN; false, with no effect, in any other state and while isolated.</returns>
    public bool EndOpenWindow()
    {
        lock (_lock)
        {
            if ((int)(_stateWord & StateMask) != OpenBits)
            {
                return false;
            }

            SetOpenWindowLocked(_coarseClock ? CoarseNow() : 0, _timeProvider.GetTimestamp(), 0, 0);
            return true;
        }
    }
}
