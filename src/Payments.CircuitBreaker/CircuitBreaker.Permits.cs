using System.Runtime.InteropServices;

namespace Payments.CircuitBreaker;

// The state word (state and generation) and the permits: acquiring, probe slots, completing, the totals.
public sealed partial class CircuitBreaker
{
    private const long StateMask = 3;
    private const int ClosedBits = 0;
    private const int OpenBits = 1;
    private const int HalfOpenBits = 2;

    // OPEN held by Isolate(): reported as Open, never expires.
    private const int IsolatedBits = 3;

    // Bounds the memory kept to recognise late results of released probes; beyond it a late result is dropped from the totals.
    private const int MaxReleasedProbes = 4096;

    private readonly long[] _probeIds;
    private readonly long[] _probeStarts;
    private readonly HashSet<long> _releasedProbes = [];

    private long _stateWord;
    private int _failures;
    private int _successes;
    private int _probesInFlight;
    private long _lastProbeId;
    private long _totalAttempts;
    private long _totalFailures;
    private long _totalSuccesses;
    private long _totalIgnored;

    // Rejections are the one write on the OPEN path; on their own cache line they do not evict the state word other threads read.
    private PaddedCounter _totalRejected;

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

    private long NextWord(int bits) => (((_stateWord >> 2) + 1) << 2) | (long)bits;

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
                TransitionLocked(HalfOpenBits, CircuitChangeReason.OpenWindowEnded);
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

    private void ReleaseAllProbesLocked()
    {
        for (var slot = 0; slot < _probeIds.Length; slot++)
        {
            if (_probeIds[slot] != 0)
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
                // The probe outlived its permit (timeout or state change): the call happened and counts in the totals. A failure
                // while the circuit is still in the half-open period the probe ran in re-opens it, or a dependency that fails
                // only after ProbeTimeout would keep the circuit half-open for ever, one call let through per timeout. A late
                // success does not count towards closing: the probes that close the circuit answer within their timeout.
                CountOutcome(outcome);
                if (outcome == CallOutcome.Failure
                    && (_stateWord >> 2) == permit.Generation
                    && (int)(_stateWord & StateMask) == HalfOpenBits)
                {
                    ApplyProbeOutcomeLocked(outcome);
                }
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
        if (_telemetry is not null)
        {
            RecordRejectionMetric();
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        // 64 bytes either side: no other field of the breaker shares the counter's cache line.
        [FieldOffset(64)]
        public long Value;
    }
}
