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
                StartOpenWindowLocked(nowTimestamp);
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
