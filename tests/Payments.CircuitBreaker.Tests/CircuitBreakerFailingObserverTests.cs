using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

// Loggers, telemetry listeners and StateChanged handlers are outside code: whatever they throw, the breaker's own bookkeeping
// and its non-throwing entry points go on working.
public class CircuitBreakerFailingObserverTests
{
    private readonly FakeTimeProvider _time = TestBreakers.NewTime();

    [Fact]
    public void A_logger_that_throws_on_the_transition_to_half_open_does_not_cost_the_probe_its_permit()
    {
        var logger = new ThrowingLogger { Throwing = false };
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, logger: logger);
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += changes.Add;
        breaker.Fail(1);
        logger.Throwing = true;
        _time.Advance(TimeSpan.FromSeconds(30));

        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();

        probe.IsProbe.ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.HalfOpen);
        probe.Complete(CallOutcome.Success);
        breaker.State.ShouldBe(CircuitState.Closed);
        changes.Select(c => c.Reason).ShouldBe([CircuitChangeReason.Failures, CircuitChangeReason.OpenWindowEnded, CircuitChangeReason.ProbesSucceeded]);
        logger.Calls.ShouldBeGreaterThan(1);
    }

    [Fact]
    public void A_throwing_logger_and_a_throwing_handler_stop_neither_the_other_handlers_nor_the_later_notifications()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, logger: new ThrowingLogger());
        var reasons = new List<CircuitChangeReason>();
        breaker.StateChanged += _ => throw new InvalidOperationException("handler bug");
        breaker.StateChanged += change => reasons.Add(change.Reason);

        breaker.Fail(1);
        breaker.Reset();
        breaker.HoldOpen(TimeSpan.FromSeconds(5)).ShouldBeTrue();
        breaker.Isolate();
        breaker.Reset();
        breaker.Isolate();

        reasons.ShouldBe(
        [
            CircuitChangeReason.Failures,
            CircuitChangeReason.Reset,
            CircuitChangeReason.Held,
            CircuitChangeReason.Reset,
            CircuitChangeReason.Isolated,
        ]);
    }

    [Fact]
    public void Notifications_go_on_after_one_that_could_not_be_published()
    {
        var logger = new ThrowingLogger();
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, logger: logger);
        var reasons = new List<CircuitChangeReason>();
        breaker.StateChanged += change => reasons.Add(change.Reason);
        try
        {
            breaker.Fail(1);
        }
        catch (InvalidOperationException)
        {
            // Tolerated here so that this test checks the later notifications alone; the test above checks that nothing escapes.
        }

        logger.Throwing = false;
        breaker.Reset();
        breaker.Isolate();

        reasons.ShouldBe([CircuitChangeReason.Failures, CircuitChangeReason.Reset, CircuitChangeReason.Isolated]);
    }

    [Fact]
    public void A_throwing_logger_does_not_cost_the_transition_its_metric()
    {
        using var meters = new OwnMeterFactory();
        var telemetry = new CircuitBreakerTelemetry(meters);
        using var transitions = new MetricCollector<long>(meters.Meter!, CircuitBreakerTelemetry.TransitionsInstrument);
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, logger: new ThrowingLogger(), telemetry: telemetry);

        breaker.Fail(1);

        transitions.GetMeasurementSnapshot().ShouldHaveSingleItem().Tags[CircuitBreakerTelemetry.Tags.To].ShouldBe("open");
    }

    [Fact]
    public void Transition_telemetry_that_throws_with_a_logger_that_throws_too_escapes_nothing()
    {
        using var throwing = new ThrowingTelemetry(CircuitBreakerTelemetry.TransitionsInstrument, CircuitBreakerTelemetry.OpenDurationInstrument);
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, logger: new ThrowingLogger(), telemetry: throwing.Telemetry);
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += changes.Add;

        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed(1);

        breaker.State.ShouldBe(CircuitState.Closed);
        changes.Count.ShouldBe(3);
    }

    [Fact]
    public void Transition_telemetry_that_throws_is_logged_apart_from_handler_failures_and_the_handlers_still_run()
    {
        using var throwing = new ThrowingTelemetry(CircuitBreakerTelemetry.TransitionsInstrument);
        var logger = new FakeLogger();
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, logger: logger, telemetry: throwing.Telemetry);
        var delivered = 0;
        breaker.StateChanged += _ => delivered++;

        breaker.Fail(1);

        delivered.ShouldBe(1);
        var failure = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Error).ShouldHaveSingleItem();
        failure.Id.Id.ShouldBe(4);
        failure.Exception.ShouldBeOfType<InvalidOperationException>().Message.ShouldBe("telemetry down");
    }

    [Fact]
    public void Call_metrics_that_throw_escape_no_call_and_the_failures_still_open_the_circuit()
    {
        using var throwing = new ThrowingTelemetry(CircuitBreakerTelemetry.CallsInstrument, CircuitBreakerTelemetry.CallDurationInstrument);
        var logger = new FakeLogger();
        var breaker = TestBreakers.Create(_time, failureThreshold: 2, successThreshold: 1, logger: logger, telemetry: throwing.Telemetry);

        breaker.Fail(2);

        breaker.State.ShouldBe(CircuitState.Open);
        breaker.TryAcquire(out _, out _).ShouldBeFalse();
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.Succeed(1);
        breaker.State.ShouldBe(CircuitState.Closed);
        var stats = breaker.GetStats();
        (stats.TotalFailures, stats.TotalSuccesses, stats.TotalRejected).ShouldBe((2, 1, 1));

        // A listener that fails does so on every call: one line says so, not one per call.
        var failure = logger.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Error).ShouldHaveSingleItem();
        failure.Id.Id.ShouldBe(5);
    }
}
