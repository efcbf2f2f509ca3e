using System.Runtime.InteropServices;
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
public sealed class CircuitBreaker
{
    private const long StateMask = 3;
    private const int ClosedBits = 0;
    private const int OpenBits = 1;
    private const int HalfOpenBits = 2;

    // OPEN held by Isolate(): reported as Open, never expires.
    private const int IsolatedBits = 3;

    // Bounds the memory kept to recognise late results of released probes; beyond it a late result is dropped from the totals.
    private const int MaxReleasedProbes = 4096;

    // The coarse clock (Environment.TickCount64) ticks every 1-16 ms depending on the platform; the last stretch of an open window
    // this long is always checked against the precise clock, so the coarse clock's lag can never keep a circuit open past its
    // deadline by more than its resolution, and it never decides to let a call through.
    internal const long CoarseMarginMilliseconds = 50;

    private readonly Lock _lock = new();
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CircuitBreakerTelemetry? _telemetry;
    private readonly int _failureThreshold;
    private readonly int _successThreshold;
    private readonly int _halfOpenPermits;
    private readonly TimeSpan _openTimeout;
    private readonly long _openTimeoutTimestampTicks;
    private readonly long _probeTimeoutTimestampTicks;
    private readonly double _timeSpanTicksPerTimestampTick;
    private readonly bool _coarseClock;
    private readonly long _openTimeoutMilliseconds;
    private readonly long[] _probeIds;
    private readonly long[] _probeStarts;
    private readonly HashSet<long> _releasedProbes = [];
    private readonly Queue<PendingChange> _pendingChanges = new();

    private long _stateWord;
    private long _openDeadline;

    // The open deadline on the coarse clock, in Environment.TickCount64 milliseconds; read only when _coarseClock.
    private long _coarseOpenDeadline;
    private int _failures;
    private int _successes;
    private int _probesInFlight;
    private long _lastProbeId;
    private bool _dispatching;
    private DateTimeOffset? _lastFailureTime;
    private DateTimeOffset _lastStateChange;
    private DateTimeOffset? _openedAt;
    private long _totalAttempts;
    private long _totalFailures;
    private long _totalSuccesses;
    private long _totalIgnored;

    // Rejections are the one write on the OPEN path; on their own cache line they do not evict the state word other threads read.
    private PaddedCounter _totalRejected;

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
        _coarseClock = ReferenceEquals(timeProvider, TimeProvider.System);
        _openTimeoutMilliseconds = ToCoarseMilliseconds(options.OpenTimeout);
        _probeIds = new long[options.HalfOpenPermits];
        _probeStarts = new long[options.HalfOpenPermits];
        _lastStateChange = timeProvider.GetUtcNow();
        telemetry?.Track(this);
    }

    /// <summary>
    /// Raised after every state change, outside the breaker's lock and in the order the changes happened. A handler may call back
    /// into the breaker; an exception from a handler is logged and does not stop the others.
    /// </summary>
    public event Action<CircuitStateChange>? StateChanged;

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
    /// Runs <paramref name="operation"/> unless the call is rejected, in which case the returned task faults with
    /// <see cref="CircuitBreakerOpenException"/> and the operation is not called. <paramref name="classifier"/> receives the result
    /// or the exception and decides the outcome; an exception from the operation is rethrown after being classified. An
    /// <see cref="OperationCanceledException"/> while <paramref name="cancellationToken"/> is cancelled is
    /// <see cref="CallOutcome.Ignored"/> without asking the classifier.
    /// </summary>
    public ValueTask<TResult> ExecuteAsync<TResult>(
        Func<CancellationToken, ValueTask<TResult>> operation,
        Func<TResult?, Exception?, CallOutcome> classifier,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(classifier);

        if (!TryAcquire(out var permit, out var retryAfter))
        {
            return ValueTask.FromException<TResult>(new CircuitBreakerOpenException(Name, State, retryAfter));
        }

        ValueTask<TResult> pending;
        try
        {
            pending = operation(cancellationToken);
        }
        catch (Exception exception)
        {
            pending = ValueTask.FromException<TResult>(exception);
        }

        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            CompleteWithResult(permit, classifier, result);
            return new ValueTask<TResult>(result);
        }

        return AwaitAndCompleteAsync(pending, permit, classifier, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> unless rejected (see the overload with a classifier). A result is a success; an exception
    /// is a failure, except an <see cref="OperationCanceledException"/> that is not a timeout (its inner exception is not a
    /// <see cref="TimeoutException"/>), which is ignored.
    /// </summary>
    public ValueTask<TResult> ExecuteAsync<TResult>(
        Func<CancellationToken, ValueTask<TResult>> operation,
        CancellationToken cancellationToken = default) =>
        ExecuteAsync(operation, DefaultClassifier<TResult>.Instance, cancellationToken);

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
                // or past the deadline the precise clock below decides, so a probe is never let through early.
                var tick = Environment.TickCount64;
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
                TransitionLocked(ClosedBits, _timeProvider.GetTimestamp(), CircuitChangeReason.Reset);
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
                TransitionLocked(IsolatedBits, _timeProvider.GetTimestamp(), CircuitChangeReason.Isolated);
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

            var tick = _coarseClock ? Environment.TickCount64 : 0;
            var now = _timeProvider.GetTimestamp();
            if (bits != OpenBits)
            {
                TransitionLocked(OpenBits, now, CircuitChangeReason.Held);
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

            SetOpenWindowLocked(_coarseClock ? Environment.TickCount64 : 0, _timeProvider.GetTimestamp(), 0, 0);
            return true;
        }
    }

    internal void Complete(in CircuitPermit permit, CallOutcome outcome, Exception? exception)
    {
        if (permit.ProbeId != 0)
        {
            CompleteProbe(permit, outcome, exception);
            return;
        }

        CountOutcome(outcome);
        if (_telemetry is not null)
        {
            RecordCompletion(permit, outcome, exception);
        }

        if (outcome == CallOutcome.Success)
        {
            // A success only has to clear a failure streak; the lock is taken only when there is one.
            if (Volatile.Read(ref _failures) != 0)
            {
                ClearFailures(permit.Generation);
            }
        }
        else if (outcome == CallOutcome.Failure)
        {
            RecordClosedFailure(permit.Generation);
        }
    }

    private static CircuitState ToState(long word) => (int)(word & StateMask) switch
    {
        ClosedBits => CircuitState.Closed,
        HalfOpenBits => CircuitState.HalfOpen,
        _ => CircuitState.Open,
    };

    private static async ValueTask<TResult> AwaitAndCompleteAsync<TResult>(
        ValueTask<TResult> pending,
        CircuitPermit permit,
        Func<TResult?, Exception?, CallOutcome> classifier,
        CancellationToken cancellationToken)
    {
        TResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            CompleteWithException(permit, classifier, exception, cancellationToken);
            throw;
        }

        CompleteWithResult(permit, classifier, result);
        return result;
    }

    private static void CompleteWithResult<TResult>(CircuitPermit permit, Func<TResult?, Exception?, CallOutcome> classifier, TResult result)
    {
        CallOutcome outcome;
        try
        {
            outcome = classifier(result, null);
        }
        catch (Exception)
        {
            // A failing classifier says nothing about the dependency; give the permit back before surfacing the bug.
            permit.Complete(CallOutcome.Ignored);
            throw;
        }

        permit.Complete(outcome);
    }

    private static void CompleteWithException<TResult>(
        CircuitPermit permit,
        Func<TResult?, Exception?, CallOutcome> classifier,
        Exception exception,
        CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            permit.Complete(CallOutcome.Ignored, exception);
            return;
        }

        CallOutcome outcome;
        try
        {
            outcome = classifier(default, exception);
        }
        catch (Exception classifierException)
        {
            // Keep the permit accounting right, then surface the classifier's own bug.
            permit.Complete(CallOutcome.Ignored, classifierException);
            throw;
        }

        permit.Complete(outcome, exception);
    }

    private bool TryAcquireSlow(out CircuitPermit permit, out TimeSpan retryAfter)
    {
        bool acquired;
        var transitioned = false;
        lock (_lock)
        {
            var now = _timeProvider.GetTimestamp();
            var bits = (int)(_stateWord & StateMask);
            if (bits == OpenBits && now >= _openDeadline)
            {
                TransitionLocked(HalfOpenBits, now, CircuitChangeReason.OpenWindowEnded);
                bits = HalfOpenBits;
                transitioned = true;
            }

            switch (bits)
            {
                case ClosedBits:
                    Interlocked.Increment(ref _totalAttempts);
                    permit = new CircuitPermit(this, _stateWord >> 2, 0, _telemetry is { CallDurationEnabled: true } ? now : 0);
                    retryAfter = TimeSpan.Zero;
                    acquired = true;
                    break;
                case HalfOpenBits:
                    ReleaseExpiredProbesLocked(now);
                    acquired = TryTakeProbeLocked(now, out permit);
                    retryAfter = acquired ? TimeSpan.Zero : RetryAfterLocked(bits, now);
                    break;
                default:
                    permit = default;
                    retryAfter = RetryAfterLocked(bits, now);
                    acquired = false;
                    break;
            }
        }

        if (!acquired)
        {
            RecordRejection();
        }

        if (transitioned)
        {
            DispatchPendingChanges();
        }

        return acquired;
    }

    private bool TryTakeProbeLocked(long now, out CircuitPermit permit)
    {
        if (_probesInFlight < _halfOpenPermits)
        {
            for (var slot = 0; slot < _probeIds.Length; slot++)
            {
                if (_probeIds[slot] == 0)
                {
                    var id = ++_lastProbeId;
                    _probeIds[slot] = id;
                    _probeStarts[slot] = now;
                    _probesInFlight++;
                    Interlocked.Increment(ref _totalAttempts);
                    permit = new CircuitPermit(this, _stateWord >> 2, id, now);
                    return true;
                }
            }
        }

        permit = default;
        return false;
    }

    private void ReleaseExpiredProbesLocked(long now)
    {
        for (var slot = 0; slot < _probeIds.Length; slot++)
        {
            if (_probeIds[slot] != 0 && now - _probeStarts[slot] >= _probeTimeoutTimestampTicks)
            {
                ReleaseProbeSlotLocked(slot, remember: true);
            }
        }
    }

    private void ReleaseProbeSlotLocked(int slot, bool remember)
    {
        if (remember)
        {
            if (_releasedProbes.Count >= MaxReleasedProbes)
            {
                _releasedProbes.Clear();
            }

            _releasedProbes.Add(_probeIds[slot]);
        }

        _probeIds[slot] = 0;
        _probeStarts[slot] = 0;
        _probesInFlight--;
    }

    private TimeSpan RetryAfterLocked(int bits, long now)
    {
        switch (bits)
        {
            case IsolatedBits:
                return _openTimeout;
            case OpenBits:
                return now < _openDeadline ? ToTimeSpan(_openDeadline - now) : TimeSpan.Zero;
            case HalfOpenBits:
                var free = _halfOpenPermits;
                var earliestEnd = long.MaxValue;
                for (var slot = 0; slot < _probeIds.Length; slot++)
                {
                    if (_probeIds[slot] != 0)
                    {
                        var end = SaturatingAdd(_probeStarts[slot], _probeTimeoutTimestampTicks);
                        if (end > now)
                        {
                            free--;
                            earliestEnd = Math.Min(earliestEnd, end);
                        }
                    }
                }

                return free > 0 ? TimeSpan.Zero : ToTimeSpan(earliestEnd - now);
            default:
                return TimeSpan.Zero;
        }
    }

    private void CompleteProbe(in CircuitPermit permit, CallOutcome outcome, Exception? exception)
    {
        lock (_lock)
        {
            var slot = Array.IndexOf(_probeIds, permit.ProbeId);
            if (slot >= 0)
            {
                ReleaseProbeSlotLocked(slot, remember: false);
                CountOutcome(outcome);
                if ((_stateWord >> 2) == permit.Generation && (int)(_stateWord & StateMask) == HalfOpenBits)
                {
                    ApplyProbeOutcomeLocked(outcome);
                }
            }
            else if (_releasedProbes.Remove(permit.ProbeId))
            {
                // The probe outlived its permit (timeout or state change): the call happened, but its result moves nothing.
                CountOutcome(outcome);
            }
            else
            {
                // Completed twice.
                return;
            }
        }

        if (_telemetry is not null)
        {
            RecordCompletion(permit, outcome, exception);
        }

        DispatchPendingChanges();
    }

    private void ApplyProbeOutcomeLocked(CallOutcome outcome)
    {
        switch (outcome)
        {
            case CallOutcome.Success:
                _successes++;
                if (_successes >= _successThreshold)
                {
                    TransitionLocked(ClosedBits, _timeProvider.GetTimestamp(), CircuitChangeReason.ProbesSucceeded);
                }

                break;
            case CallOutcome.Failure:
                _failures++;
                _lastFailureTime = _timeProvider.GetUtcNow();
                TransitionLocked(OpenBits, _timeProvider.GetTimestamp(), CircuitChangeReason.ProbeFailed);
                break;
            default:
                break;
        }
    }

    private void ClearFailures(long generation)
    {
        lock (_lock)
        {
            if (_stateWord == ((generation << 2) | ClosedBits))
            {
                _failures = 0;
            }
        }
    }

    private void RecordClosedFailure(long generation)
    {
        lock (_lock)
        {
            if (_stateWord != ((generation << 2) | ClosedBits))
            {
                return;
            }

            _failures++;
            _successes = 0;
            _lastFailureTime = _timeProvider.GetUtcNow();
            if (_failures >= _failureThreshold)
            {
                TransitionLocked(OpenBits, _timeProvider.GetTimestamp(), CircuitChangeReason.Failures);
            }
        }

        DispatchPendingChanges();
    }

    private void TransitionLocked(int toBits, long nowTimestamp, CircuitChangeReason reason)
    {
        var fromBits = (int)(_stateWord & StateMask);
        var from = ToState(fromBits);
        var to = ToState(toBits);
        var now = _timeProvider.GetUtcNow();

        for (var slot = 0; slot < _probeIds.Length; slot++)
        {
            if (_probeIds[slot] != 0)
            {
                ReleaseProbeSlotLocked(slot, remember: true);
            }
        }

        double? openSeconds = null;
        if (from == CircuitState.Open && to != CircuitState.Open && _openedAt is { } openedAt)
        {
            openSeconds = (now - openedAt).TotalSeconds;
        }

        _successes = 0;
        switch (to)
        {
            case CircuitState.Closed:
                _failures = 0;
                _openedAt = null;
                break;
            case CircuitState.Open when from != CircuitState.Open:
                _openedAt = now;
                _openDeadline = SaturatingAdd(nowTimestamp, _openTimeoutTimestampTicks);
                if (_coarseClock)
                {
                    // Read just after the precise timestamp (same lock hold): the coarse window then ends, by the precise clock, no
                    // later than the precise deadline plus the coarse clock's resolution minus the margin, i.e. before it.
                    _coarseOpenDeadline = Environment.TickCount64 + _openTimeoutMilliseconds;
                }

                break;
            default:
                break;
        }

        Volatile.Write(ref _stateWord, NextWord(toBits));
        if (from != to)
        {
            _lastStateChange = now;
            _pendingChanges.Enqueue(new PendingChange(new CircuitStateChange(Name, from, to, now) { Reason = reason }, openSeconds));
        }
    }

    // Readers outside the lock see a new window either whole or not at all where it matters: the coarse deadline only ever
    // rejects, and a call the precise deadline lets through re-checks it under the lock (TryAcquireSlow).
    private void SetOpenWindowLocked(long tick, long nowTimestamp, long openForTimestampTicks, long openForMilliseconds)
    {
        Volatile.Write(ref _openDeadline, SaturatingAdd(nowTimestamp, openForTimestampTicks));
        if (_coarseClock)
        {
            Volatile.Write(ref _coarseOpenDeadline, tick + openForMilliseconds);
        }
    }

    private long NextWord(int bits) => (((_stateWord >> 2) + 1) << 2) | (long)bits;

    private void DispatchPendingChanges()
    {
        lock (_lock)
        {
            // Whoever is already dispatching delivers the queued changes in order; a handler calling back in lands here too.
            if (_dispatching || _pendingChanges.Count == 0)
            {
                return;
            }

            _dispatching = true;
        }

        while (true)
        {
            PendingChange next;
            lock (_lock)
            {
                if (!_pendingChanges.TryDequeue(out next))
                {
                    _dispatching = false;
                    return;
                }
            }

            Publish(next);
        }
    }

    private void Publish(PendingChange pending)
    {
        var change = pending.Change;
        try
        {
            if (change.To == CircuitState.Open)
            {
                Log.CircuitOpened(_logger, Name, change.From.ToDisplayString(), change.To.ToDisplayString());
            }
            else
            {
                Log.StateTransition(_logger, Name, change.From.ToDisplayString(), change.To.ToDisplayString());
            }

            _telemetry?.RecordTransition(change, pending.OpenSeconds);
        }
        catch (Exception exception)
        {
            Log.StateChangedHandlerFailed(_logger, Name, exception);
        }

        if (StateChanged is not { } handlers)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<CircuitStateChange>)handler)(change);
            }
            catch (Exception exception)
            {
                Log.StateChangedHandlerFailed(_logger, Name, exception);
            }
        }
    }

    private void CountOutcome(CallOutcome outcome)
    {
        switch (outcome)
        {
            case CallOutcome.Success:
                Interlocked.Increment(ref _totalSuccesses);
                break;
            case CallOutcome.Failure:
                Interlocked.Increment(ref _totalFailures);
                break;
            default:
                Interlocked.Increment(ref _totalIgnored);
                break;
        }
    }

    private void RecordRejection()
    {
        Interlocked.Increment(ref _totalRejected.Value);
        _telemetry?.RecordCall(Name, CircuitBreakerTelemetry.Rejected);
    }

    private void RecordCompletion(in CircuitPermit permit, CallOutcome outcome, Exception? exception)
    {
        var tag = outcome switch
        {
            CallOutcome.Success => CircuitBreakerTelemetry.Success,
            CallOutcome.Failure => CircuitBreakerTelemetry.Failure,
            _ => CircuitBreakerTelemetry.Ignored,
        };
        _telemetry!.RecordCall(Name, tag);
        if (permit.StartTimestamp != 0)
        {
            var elapsed = ToTimeSpan(_timeProvider.GetTimestamp() - permit.StartTimestamp);
            _telemetry.RecordDuration(Name, tag, elapsed.TotalMilliseconds, outcome == CallOutcome.Failure ? exception : null);
        }
    }

    private TimeSpan ToTimeSpan(long timestampTicks) => new((long)(timestampTicks * _timeSpanTicksPerTimestampTick));

    private long ToTimestampTicks(TimeSpan duration)
    {
        var ticks = duration.Ticks / _timeSpanTicksPerTimestampTick;
        return ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)ticks;
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static DateTimeOffset SaturatingAdd(DateTimeOffset at, TimeSpan duration) =>
        duration > DateTimeOffset.MaxValue - at ? DateTimeOffset.MaxValue : at + duration;

    private static long ToCoarseMilliseconds(TimeSpan duration) => (long)Math.Min(duration.TotalMilliseconds, long.MaxValue / 4);

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        // 64 bytes either side: no other field of the breaker shares the counter's cache line.
        [FieldOffset(64)]
        public long Value;
    }

    private readonly record struct PendingChange(CircuitStateChange Change, double? OpenSeconds);

    private static class DefaultClassifier<TResult>
    {
        public static readonly Func<TResult?, Exception?, CallOutcome> Instance = static (_, exception) => exception switch
        {
            null => CallOutcome.Success,
            OperationCanceledException { InnerException: TimeoutException } => CallOutcome.Failure,
            OperationCanceledException => CallOutcome.Ignored,
            _ => CallOutcome.Failure,
        };
    }
}
