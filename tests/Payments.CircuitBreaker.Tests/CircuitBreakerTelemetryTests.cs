using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

public sealed class CircuitBreakerTelemetryTests : IDisposable
{
    private readonly FakeTimeProvider _time = TestBreakers.NewTime();
    private readonly string _name = $"Telemetry-{Guid.NewGuid():N}";
    private readonly CircuitBreakerTelemetry _telemetry = new(meterFactory: null);
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public CircuitBreakerTelemetryTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CircuitBreakerTelemetry.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _telemetry.Dispose();
    }

    [Fact]
    public async Task Calls_are_counted_by_outcome_including_rejections()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 2, telemetry: _telemetry, name: _name);

        await breaker.SucceedAsync();
        breaker.TryAcquire(out var ignored, out _).ShouldBeTrue();
        ignored.Complete(CallOutcome.Ignored);
        await breaker.FailAsync(2);
        breaker.TryAcquire(out _, out _).ShouldBeFalse();
        await Should.ThrowAsync<CircuitBreakerOpenException>(async () => await breaker.ExecuteAsync(TestBreakers.Ok));

        Of(CircuitBreakerTelemetry.CallsInstrument)
            .GroupBy(m => (string)m.Tags[CircuitBreakerTelemetry.Tags.Outcome]!)
            .ToDictionary(g => g.Key, g => g.Sum(m => m.Value))
            .ShouldBe(new Dictionary<string, double> { ["success"] = 1, ["ignored"] = 1, ["failure"] = 2, ["rejected"] = 2 }, ignoreOrder: true);
    }

    [Fact]
    public async Task Call_durations_are_recorded_in_milliseconds_with_the_error_type_of_failures()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 5, telemetry: _telemetry, name: _name);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = breaker.ExecuteAsync(async _ => await gate.Task);
        _time.Advance(TimeSpan.FromMilliseconds(250));
        gate.SetException(new InvalidOperationException("down"));
        await Should.ThrowAsync<InvalidOperationException>(async () => await call);
        await breaker.SucceedAsync();

        var durations = Of(CircuitBreakerTelemetry.CallDurationInstrument);
        durations.Count.ShouldBe(2);
        durations[0].Value.ShouldBe(250, tolerance: 0.001);
        durations[0].Tags[CircuitBreakerTelemetry.Tags.Outcome].ShouldBe("failure");
        durations[0].Tags[CircuitBreakerTelemetry.Tags.ErrorType].ShouldBe(typeof(InvalidOperationException).FullName);
        durations[1].Tags[CircuitBreakerTelemetry.Tags.Outcome].ShouldBe("success");
        durations[1].Tags.ShouldNotContainKey(CircuitBreakerTelemetry.Tags.ErrorType);
    }

    [Fact]
    public void Transitions_are_counted_with_from_and_to_and_the_open_duration_is_recorded_in_seconds()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, telemetry: _telemetry, name: _name);

        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(42));
        breaker.Succeed(1);

        Of(CircuitBreakerTelemetry.TransitionsInstrument)
            .Select(m => ((string)m.Tags["from"]!, (string)m.Tags["to"]!, m.Value))
            .ShouldBe([("closed", "open", 1d), ("open", "half_open", 1d), ("half_open", "closed", 1d)]);
        Of(CircuitBreakerTelemetry.OpenDurationInstrument).Single().Value.ShouldBe(42);
    }

    [Fact]
    public void The_state_gauge_reports_0_closed_1_open_2_half_open()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 2, telemetry: _telemetry, name: _name);

        var observed = new List<double> { ObserveState() };
        breaker.Fail(1);
        observed.Add(ObserveState());
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed(1);
        observed.Add(ObserveState());

        observed.ShouldBe([0, 1, 2]);
        GC.KeepAlive(breaker);
    }

    private double ObserveState()
    {
        _measurements.Clear();
        _listener.RecordObservableInstruments();
        return Of(CircuitBreakerTelemetry.StateInstrument).Single().Value;
    }

    private List<(string Instrument, double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        _measurements.Where(m => m.Instrument == instrument && (string?)m.Tags[CircuitBreakerTelemetry.Tags.Name] == _name).ToList();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _measurements.Enqueue((instrument.Name, value, copy));
    }
}
