using System.Diagnostics;

namespace Payments.CircuitBreaker.Tests;

// With TimeProvider.System a rejection well inside the open window reads the coarse clock instead of the precise one; these tests
// run on real time, so they assert bounds measured around each step rather than exact values.
public class CircuitBreakerSystemClockTests
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(CircuitBreaker.CoarseMarginMilliseconds);

    [Fact]
    public void With_the_system_clock_a_freshly_opened_breaker_rejects_with_a_retry_after_within_the_margin_below_the_open_timeout()
    {
        var openTimeout = TimeSpan.FromSeconds(10);
        var breaker = Create(openTimeout);
        var sinceBeforeOpening = Stopwatch.StartNew();
        Open(breaker);

        var acquired = breaker.TryAcquire(out _, out var retryAfter);
        var elapsed = sinceBeforeOpening.Elapsed;

        acquired.ShouldBeFalse();
        retryAfter.ShouldBeLessThanOrEqualTo(openTimeout);
        retryAfter.ShouldBeGreaterThanOrEqualTo(openTimeout - Margin - elapsed);
        breaker.GetStats().TotalRejected.ShouldBe(1);
    }

    [Fact]
    public void With_the_system_clock_rejections_well_inside_the_window_allocate_nothing_and_are_all_counted()
    {
        var breaker = Create(TimeSpan.FromSeconds(30));
        Open(breaker);
        breaker.TryAcquire(out _, out _).ShouldBeFalse();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var rejected = 0;
        for (var i = 0; i < 10_000; i++)
        {
            if (!breaker.TryAcquire(out _, out var retryAfter) && retryAfter > TimeSpan.Zero)
            {
                rejected++;
            }
        }

        GC.GetAllocatedBytesForCurrentThread().ShouldBe(before);
        rejected.ShouldBe(10_000);
        breaker.GetStats().TotalRejected.ShouldBe(10_001);
    }

    [Fact]
    public void With_the_system_clock_the_open_window_never_ends_before_the_open_timeout()
    {
        var openTimeout = TimeSpan.FromMilliseconds(200);
        var breaker = Create(openTimeout);

        // Started just before each opening: it over-reads the time since the transition, so a reading under the open timeout at
        // admission proves the window ended early (one started after the transition could under-read on a loaded machine).
        var sinceBeforeOpening = Stopwatch.StartNew();
        Open(breaker);
        for (var cycle = 0; cycle < 3; cycle++)
        {
            // The first cycle opens from CLOSED, the later ones re-open from HALF_OPEN on a failed probe.
            var rejections = 0;
            CircuitPermit permit;
            while (!breaker.TryAcquire(out permit, out var retryAfter))
            {
                retryAfter.ShouldBeLessThanOrEqualTo(openTimeout);
                rejections++;
                sinceBeforeOpening.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "the open window did not end within the bounded wait");
                Thread.Yield();
            }

            sinceBeforeOpening.Elapsed.ShouldBeGreaterThanOrEqualTo(openTimeout);
            rejections.ShouldBeGreaterThan(0);
            breaker.State.ShouldBe(CircuitState.HalfOpen);
            sinceBeforeOpening.Restart();
            permit.Complete(CallOutcome.Failure);
            breaker.State.ShouldBe(CircuitState.Open);
        }
    }

    [Fact]
    public void With_the_system_clock_a_rejection_in_the_last_stretch_of_the_window_reports_at_most_the_margin()
    {
        var openTimeout = TimeSpan.FromMilliseconds(200);
        var breaker = Create(openTimeout);
        var sinceBeforeOpening = Stopwatch.StartNew();
        Open(breaker);
        var sinceOpened = Stopwatch.StartNew();

        // Wait (bounded) until the window is past its coarse part (sinceOpened under-reads, so this waits at least that long), then
        // the precise clock answers.
        while (sinceOpened.Elapsed < openTimeout - Margin + TimeSpan.FromMilliseconds(20))
        {
            sinceOpened.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
            Thread.Sleep(5);
        }

        if (!breaker.TryAcquire(out var permit, out var retryAfter))
        {
            retryAfter.ShouldBeLessThanOrEqualTo(Margin);
            breaker.State.ShouldBe(CircuitState.Open);
        }
        else
        {
            // A loaded machine may have reached the deadline already: then the window has really ended.
            sinceBeforeOpening.Elapsed.ShouldBeGreaterThanOrEqualTo(openTimeout);
            permit.Complete(CallOutcome.Success);
        }
    }

    [Fact]
    public void A_time_provider_other_than_the_system_one_alone_decides_the_open_window_to_the_tick()
    {
        var time = TestBreakers.NewTime();
        var breaker = TestBreakers.Create(time, failureThreshold: 1, openTimeout: TimeSpan.FromSeconds(30));
        Open(breaker);

        time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBe(TimeSpan.FromTicks(1));

        time.Advance(TimeSpan.FromTicks(1));
        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();
        probe.IsProbe.ShouldBeTrue();
    }

    [Fact]
    public void With_the_system_clock_holding_an_open_circuit_moves_both_deadlines()
    {
        var breaker = Create(TimeSpan.FromHours(1));
        Open(breaker);
        breaker.TryAcquire(out _, out _).ShouldBeFalse();

        // Earlier: the coarse deadline must move too, or the coarse clock would go on rejecting for the rest of the hour.
        breaker.HoldOpen(TimeSpan.Zero).ShouldBeTrue();
        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();
        probe.IsProbe.ShouldBeTrue();
        probe.Complete(CallOutcome.Failure);

        // Later than a fresh window would be, from OPEN.
        var sinceBeforeHold = Stopwatch.StartNew();
        breaker.HoldOpen(TimeSpan.FromHours(2)).ShouldBeTrue();
        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBeGreaterThan(TimeSpan.FromHours(2) - Margin - sinceBeforeHold.Elapsed);
        retryAfter.ShouldBeLessThanOrEqualTo(TimeSpan.FromHours(2));
    }

    [Fact]
    public void With_the_system_clock_a_circuit_held_open_from_closed_rejects_on_the_coarse_clock_until_its_hold_ends()
    {
        var breaker = Create(TimeSpan.FromMilliseconds(100));
        var sinceBeforeHold = Stopwatch.StartNew();

        breaker.HoldOpen(TimeSpan.FromHours(1)).ShouldBeTrue();

        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();
        retryAfter.ShouldBeGreaterThan(TimeSpan.FromHours(1) - Margin - sinceBeforeHold.Elapsed);
        breaker.GetStats().OpenUntil.ShouldNotBeNull();
    }

    [Fact]
    public void With_the_system_clock_ending_the_open_window_lets_the_next_call_through()
    {
        var breaker = Create(TimeSpan.FromHours(1));
        Open(breaker);
        breaker.TryAcquire(out _, out _).ShouldBeFalse();

        breaker.EndOpenWindow().ShouldBeTrue();

        breaker.TryAcquire(out var probe, out _).ShouldBeTrue();
        probe.IsProbe.ShouldBeTrue();
        breaker.State.ShouldBe(CircuitState.HalfOpen);
    }

    private static CircuitBreaker Create(TimeSpan openTimeout) => new(
        "SystemClock",
        new CircuitBreakerOptions { FailureThreshold = 1, SuccessThreshold = 1, OpenTimeout = openTimeout },
        TimeProvider.System);

    private static void Open(CircuitBreaker breaker)
    {
        if (breaker.State == CircuitState.Closed)
        {
            breaker.TryAcquire(out var permit, out _).ShouldBeTrue();
            permit.Complete(CallOutcome.Failure);
        }

        breaker.State.ShouldBe(CircuitState.Open);
    }
}
