namespace Payments.CircuitBreaker;

// The notifications: state changes queued under the lock, dispatched outside it in order, published to the logger, the
// telemetry and the StateChanged handlers; and the telemetry of completed calls.
public sealed partial class CircuitBreaker
{
    private readonly Queue<PendingChange> _pendingChanges = new();

    private bool _dispatching;
    private int _callMetricsFailureLogged;

    /// <summary>
    /// Raised after every state change, outside the breaker's lock and in the order the changes happened. A handler may call back
    /// into the breaker; an exception from a handler is logged and does not stop the others.
    /// </summary>
    public event Action<CircuitStateChange>? StateChanged;

    private void QueueChangeLocked(CircuitStateChange change, double? openSeconds) =>
        _pendingChanges.Enqueue(new PendingChange(change, openSeconds));

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

        var drained = false;
        try
        {
            while (true)
            {
                PendingChange next;
                lock (_lock)
                {
                    // Cleared under the same hold as the empty check: a change queued after it finds nobody dispatching.
                    if (!_pendingChanges.TryDequeue(out next))
                    {
                        _dispatching = false;
                        drained = true;
                        return;
                    }
                }

                Publish(next);
            }
        }
        finally
        {
            if (!drained)
            {
                // Publish contains every failure it knows of; should anything still escape, the next change dispatches the rest.
                lock (_lock)
                {
                    _dispatching = false;
                }
            }
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
        }
        catch (Exception exception)
        {
            ReportFailure(exception, handler: false);
        }

        try
        {
            _telemetry?.RecordTransition(change, pending.OpenSeconds);
        }
        catch (Exception exception)
        {
            ReportFailure(exception, handler: false);
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
                ReportFailure(exception, handler: true);
            }
        }
    }

    // Outside code failed while a change was published; the change itself has happened and the breaker goes on.
    private void ReportFailure(Exception exception, bool handler)
    {
        try
        {
            if (handler)
            {
                Log.StateChangedHandlerFailed(_logger, Name, exception);
            }
            else
            {
                Log.PublishingFailed(_logger, Name, exception);
            }
        }
        catch (Exception)
        {
            // The logger itself is failing: there is nowhere left to report to, and the caller must not see it.
        }
    }

    private void RecordCompletion(in CircuitPermit permit, CallOutcome outcome, Exception? exception)
    {
        var tag = outcome switch
        {
            CallOutcome.Success => CircuitBreakerTelemetry.Success,
            CallOutcome.Failure => CircuitBreakerTelemetry.Failure,
            _ => CircuitBreakerTelemetry.Ignored,
        };
        try
        {
            _telemetry!.RecordCall(Name, tag);
            if (permit.StartTimestamp != 0)
            {
                var elapsed = ToTimeSpan(_timeProvider.GetTimestamp() - permit.StartTimestamp);
                _telemetry.RecordDuration(Name, tag, elapsed.TotalMilliseconds, outcome == CallOutcome.Failure ? exception : null);
            }
        }
        catch (Exception metricsException)
        {
            ReportCallMetricsFailure(metricsException);
        }
    }

    // Kept out of RecordRejection so the OPEN path stays small.
    private void RecordRejectionMetric()
    {
        try
        {
            _telemetry!.RecordCall(Name, CircuitBreakerTelemetry.Rejected);
        }
        catch (Exception exception)
        {
            ReportCallMetricsFailure(exception);
        }
    }

    // A metrics listener that fails does so on every call: the first failure is logged, not one line per call.
    private void ReportCallMetricsFailure(Exception exception)
    {
        if (Interlocked.Exchange(ref _callMetricsFailureLogged, 1) != 0)
        {
            return;
        }

        try
        {
            Log.CallMetricsFailed(_logger, Name, exception);
        }
        catch (Exception)
        {
            // The logger is failing too: nowhere left to report to, and the caller must not see it.
        }
    }

    private readonly record struct PendingChange(CircuitStateChange Change, double? OpenSeconds);
}
