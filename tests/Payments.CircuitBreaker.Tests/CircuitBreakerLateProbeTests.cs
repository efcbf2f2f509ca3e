using Microsoft.Extensions.Time.Testing;

namespace Payments.CircuitBreaker.Tests;

// A probe that outlives its ProbeTimeout gives its permit back; what its late result may still do.
public class CircuitBreakerLateProbeTests
{
    private readonly FakeTimeProvider _time = TestBreakers.NewTime();

    [Fact]
    public void A_late_failure_of_a_timed_out_probe_in_the_same_half_open_period_reopens_the_circuit()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 2, probeTimeout: TimeSpan.FromSeconds(10));
        var changes = new List<CircuitStateChange>();
        breaker.StateChanged += changes.Add;
        var slow = TimedOutProbe(breaker, out var next);
        next.IsProbe.ShouldBeTrue();
        _time.Advance(TimeSpan.FromSeconds(1));

        slow.Complete(CallOutcome.Failure);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.Open);
        stats.OpenedAt.ShouldBe(TestBreakers.Start.AddSeconds(41));
        stats.LastFailureTime.ShouldBe(TestBreakers.Start.AddSeconds(41));
        stats.OpenUntil.ShouldBe(TestBreakers.Start.AddSeconds(71));
        changes[^1].ShouldBe(
            new CircuitStateChange("Test", CircuitState.HalfOpen, CircuitState.Open, TestBreakers.Start.AddSeconds(41)) { Reason = CircuitChangeReason.ProbeFailed });

        // The probe that was running meanwhile belongs to the half-open period that just ended.
        next.Complete(CallOutcome.Success);
        breaker.State.ShouldBe(CircuitState.Open);
        breaker.GetStats().TotalFailures.ShouldBe(2);
    }

    [Fact]
    public void A_dependency_that_fails_only_after_the_probe_timeout_keeps_the_circuit_open_between_probes()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, openTimeout: TimeSpan.FromSeconds(30), probeTimeout: TimeSpan.FromSeconds(10));
        breaker.Fail(1);
        var letThrough = 0;

        // Two minutes of one call a second; each call that gets through fails 15 s later.
        var running = new List<(CircuitPermit Permit, int FailsAt)>();
        for (var second = 0; second < 120; second++)
        {
            foreach (var call in running.Where(c => c.FailsAt == second).ToList())
            {
                call.Permit.Complete(CallOutcome.Failure);
                running.Remove(call);
            }

            if (breaker.TryAcquire(out var permit, out _))
            {
                letThrough++;
                running.Add((permit, second + 15));
            }

            _time.Advance(TimeSpan.FromSeconds(1));
        }

        // Half-open at 30 s: a probe, a second one when the first times out (40 s), the first's failure re-opens (45 s) for 30 s;
        // the same from 75 s. Four calls, where one every ProbeTimeout from 30 s on would be nine.
        letThrough.ShouldBe(4);
        breaker.State.ShouldBe(CircuitState.Open);
    }

    [Fact]
    public void A_late_success_of_a_timed_out_probe_counts_in_the_totals_only()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, probeTimeout: TimeSpan.FromSeconds(10));
        var slow = TimedOutProbe(breaker);

        slow.Complete(CallOutcome.Success);

        var stats = breaker.GetStats();
        stats.State.ShouldBe(CircuitState.HalfOpen);
        stats.Successes.ShouldBe(0);
        stats.TotalSuccesses.ShouldBe(1);
    }

    [Fact]
    public void A_late_failure_from_an_earlier_half_open_period_moves_nothing()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 2, probeTimeout: TimeSpan.FromSeconds(10));
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var slow, out _).ShouldBeTrue();
        _time.Advance(TimeSpan.FromSeconds(10));
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var current, out _).ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.HalfOpen);

        slow.Complete(CallOutcome.Failure);

        breaker.State.ShouldBe(CircuitState.HalfOpen);
        current.Complete(CallOutcome.Success);
        breaker.GetStats().Successes.ShouldBe(1);
        breaker.GetStats().TotalFailures.ShouldBe(3);
    }

    [Fact]
    public void A_late_failure_of_a_probe_released_by_a_state_change_moves_nothing()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, probeTimeout: TimeSpan.FromSeconds(10));
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var slow, out _).ShouldBeTrue();
        breaker.Reset();

        slow.Complete(CallOutcome.Failure);

        breaker.State.ShouldBe(CircuitState.Closed);
        breaker.GetStats().Failures.ShouldBe(0);
    }

    [Fact]
    public void A_second_late_failure_of_the_same_probe_counts_once()
    {
        var breaker = TestBreakers.Create(_time, failureThreshold: 1, successThreshold: 1, probeTimeout: TimeSpan.FromSeconds(10));
        var slow = TimedOutProbe(breaker);

        slow.Complete(CallOutcome.Failure);
        slow.Complete(CallOutcome.Failure);

        breaker.GetStats().TotalFailures.ShouldBe(2);
    }

    /// <summary>
    /// Opens <paramref name="breaker"/> (failure threshold 1) and lets a probe through at 30 s that is still running when its
    /// 10 s timeout ends; returns it, with <paramref name="next"/> the probe let through in its place.
    /// </summary>
    private CircuitPermit TimedOutProbe(CircuitBreaker breaker, out CircuitPermit next)
    {
        breaker.Fail(1);
        _time.Advance(TimeSpan.FromSeconds(30));
        breaker.TryAcquire(out var slow, out _).ShouldBeTrue();
        _time.Advance(TimeSpan.FromSeconds(10));
        breaker.TryAcquire(out next, out _).ShouldBeTrue();
        return slow;
    }

    private CircuitPermit TimedOutProbe(CircuitBreaker breaker) => TimedOutProbe(breaker, out _);
}
