namespace Payments.CircuitBreaker;

// How outcomes move the state, and the one place where the state changes.
public sealed partial class CircuitBreaker
{
    private void ApplyProbeOutcomeLocked(CallOutcome outcome)
    {
        switch (outcome)
        {
            case CallOutcome.Success:
                _successes++;
                if (_successes >= _successThreshold)
                {
                    TransitionLocked(ClosedBits, CircuitChangeReason.ProbesSucceeded);
                }

                break;
            case CallOutcome.Failure:
                _failures++;
                _lastFailureTime = _timeProvider.GetUtcNow();
                TransitionLocked(OpenBits, CircuitChangeReason.ProbeFailed);
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
                TransitionLocked(OpenBits, CircuitChangeReason.Failures);
            }
        }

        DispatchPendingChanges();
    }

    private void TransitionLocked(int toBits, CircuitChangeReason reason)
    {
        // The coarse clock first, before the precise one and before any other work: a pause between the two reads then makes the
        // coarse window end early, where the precise clock decides, never late (which would delay the first probe).
        var tick = _coarseClock ? CoarseNow() : 0;
        var nowTimestamp = _timeProvider.GetTimestamp();
        var fromBits = (int)(_stateWord & StateMask);
        var from = ToState(fromBits);
        var to = ToState(toBits);
        var now = _timeProvider.GetUtcNow();

        ReleaseAllProbesLocked();

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
                SetOpenWindowLocked(tick, nowTimestamp, _openTimeoutTimestampTicks, _openTimeoutMilliseconds);
                break;
            default:
                break;
        }

        Volatile.Write(ref _stateWord, NextWord(toBits));
        if (from != to)
        {
            _lastStateChange = now;
            QueueChangeLocked(new CircuitStateChange(Name, from, to, now) { Reason = reason }, openSeconds);
        }
    }
}
