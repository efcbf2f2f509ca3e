using System.Diagnostics.Metrics;

namespace Payments.CircuitBreaker;

/// <summary>
/// Owns the <c>Payments.CircuitBreaker</c> meter and its instruments. One instance is shared by all breakers of a process;
/// breakers created with it report their state on the state gauge for as long as they are alive.
/// </summary>
public sealed class CircuitBreakerTelemetry : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Payments.CircuitBreaker";

    /// <summary>Observable gauge: 0 closed, 1 open, 2 half-open; tag <c>name</c>.</summary>
    public const string StateInstrument = "payments.circuit_breaker.state";

    /// <summary>Counter of state transitions; tags <c>name</c>, <c>from</c>, <c>to</c>.</summary>
    public const string TransitionsInstrument = "payments.circuit_breaker.transitions";

    /// <summary>Counter of calls; tags <c>name</c>, <c>outcome</c> (success, failure, ignored, rejected).</summary>
    public const string CallsInstrument = "payments.circuit_breaker.calls";

    /// <summary>Histogram of call durations in milliseconds; tags <c>name</c>, <c>outcome</c>, <c>error.type</c> (when known).</summary>
    public const string CallDurationInstrument = "payments.circuit_breaker.call.duration";

    /// <summary>Histogram of how long the circuit stayed open, in seconds, recorded when it leaves OPEN; tag <c>name</c>.</summary>
    public const string OpenDurationInstrument = "payments.circuit_breaker.open.duration";

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary>The breaker's name.</summary>
        public const string Name = "name";

        /// <summary>The state before a transition.</summary>
        public const string From = "from";

        /// <summary>The state after a transition.</summary>
        public const string To = "to";

        /// <summary>success, failure, ignored or rejected.</summary>
        public const string Outcome = "outcome";

        /// <summary>The failing exception's full type name.</summary>
        public const string ErrorType = "error.type";
    }

    internal const string Success = "success";
    internal const string Failure = "failure";
    internal const string Ignored = "ignored";
    internal const string Rejected = "rejected";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _transitions;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly Histogram<double> _openDuration;
    private readonly Lock _breakersLock = new();
    private readonly List<WeakReference<CircuitBreaker>> _breakers = [];

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on an owned meter when it is null.</summary>
    public CircuitBreakerTelemetry(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(MeterName);
        }

        _transitions = _meter.CreateCounter<long>(TransitionsInstrument, "{transition}", "Circuit breaker state transitions");
        _calls = _meter.CreateCounter<long>(CallsInstrument, "{call}", "Calls through a circuit breaker, by outcome");
        _callDuration = _meter.CreateHistogram<double>(CallDurationInstrument, "ms", "Duration of calls let through a circuit breaker");
        _openDuration = _meter.CreateHistogram<double>(OpenDurationInstrument, "s", "How long a circuit stayed open");
        _meter.CreateObservableGauge(StateInstrument, ObserveStates, "{state}", "Circuit breaker state: 0 closed, 1 open, 2 half-open");
    }

    internal bool CallDurationEnabled => _callDuration.Enabled;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    internal void Track(CircuitBreaker breaker)
    {
        lock (_breakersLock)
        {
            _breakers.RemoveAll(static weak => !weak.TryGetTarget(out _));
            _breakers.Add(new WeakReference<CircuitBreaker>(breaker));
        }
    }

    internal void RecordCall(string name, string outcome)
    {
        if (_calls.Enabled)
        {
            _calls.Add(1, new KeyValuePair<string, object?>(Tags.Name, name), new KeyValuePair<string, object?>(Tags.Outcome, outcome));
        }
    }

    internal void RecordDuration(string name, string outcome, double milliseconds, Exception? exception)
    {
        if (!_callDuration.Enabled)
        {
            return;
        }

        if (exception is null)
        {
            _callDuration.Record(
                milliseconds,
                new KeyValuePair<string, object?>(Tags.Name, name),
                new KeyValuePair<string, object?>(Tags.Outcome, outcome));
        }
        else
        {
            _callDuration.Record(
                milliseconds,
                new KeyValuePair<string, object?>(Tags.Name, name),
                new KeyValuePair<string, object?>(Tags.Outcome, outcome),
                new KeyValuePair<string, object?>(Tags.ErrorType, exception.GetType().FullName));
        }
    }

    internal void RecordTransition(CircuitStateChange change, double? openSeconds)
    {
        _transitions.Add(
            1,
            new KeyValuePair<string, object?>(Tags.Name, change.Name),
            new KeyValuePair<string, object?>(Tags.From, change.From.ToTagValue()),
            new KeyValuePair<string, object?>(Tags.To, change.To.ToTagValue()));
        if (openSeconds is { } seconds)
        {
            _openDuration.Record(seconds, new KeyValuePair<string, object?>(Tags.Name, change.Name));
        }
    }

    private IEnumerable<Measurement<int>> ObserveStates()
    {
        List<CircuitBreaker> alive;
        lock (_breakersLock)
        {
            alive = new List<CircuitBreaker>(_breakers.Count);
            foreach (var weak in _breakers)
            {
                if (weak.TryGetTarget(out var breaker))
                {
                    alive.Add(breaker);
                }
            }
        }

        foreach (var breaker in alive)
        {
            yield return new Measurement<int>((int)breaker.State, new KeyValuePair<string, object?>(Tags.Name, breaker.Name));
        }
    }
}
