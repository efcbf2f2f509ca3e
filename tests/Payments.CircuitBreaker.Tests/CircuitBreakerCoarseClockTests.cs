namespace Payments.CircuitBreaker.Tests;

// The coarse clock's decisions on fake time for both clocks (TwoClocks); CircuitBreakerSystemClockTests checks the same on real
// time, within bounds.
public class CircuitBreakerCoarseClockTests
{
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(CircuitBreaker.CoarseMarginMilliseconds);

    [Fact]
    public void A_rejection_well_inside_the_window_reads_the_coarse_clock_only()
    {
        var clocks = new TwoClocks();
        var breaker = clocks.Create(TimeSpan.FromSeconds(30));
        breaker.Fail(1);
        clocks.Advance(TimeSpan.FromSeconds(10));
        var preciseReads = clocks.PreciseReads;

        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();

        retryAfter.ShouldBe(TimeSpan.FromSeconds(20));
        clocks.PreciseReads.ShouldBe(preciseReads);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_pause_between_the_two_clock_reads_of_an_opening_never_makes_the_first_probe_late(bool fromHalfOpen)
    {
        var clocks = new TwoClocks();
        var breaker = clocks.Create(TimeSpan.FromSeconds(30));
        if (fromHalfOpen)
        {
            breaker.Fail(1);
            clocks.Advance(TimeSpan.FromSeconds(30));
        }

        breaker.TryAcquire(out var permit, out _).ShouldBeTrue();
        permit.IsProbe.ShouldBe(fromHalfOpen);

        // Descheduled for far longer than the margin between the opening's reads of the two clocks.
        clocks.PauseAfterNextRead(TimeSpan.FromSeconds(1));
        permit.Complete(CallOutcome.Failure);
        breaker.State.ShouldBe(CircuitState.Open);

        // The window's end by the precise clock: the first call from then on is a probe.
        var openUntil = breaker.GetStats().OpenUntil.ShouldNotBeNull();
        clocks.Advance(openUntil - clocks.GetUtcNow());
        breaker.TryAcquire(out var probe, out var retryAfter).ShouldBeTrue($"rejected with a retry after of {retryAfter}");
        probe.IsProbe.ShouldBeTrue();
    }

    // The coarse clock lags real time by up to its resolution, by a different amount at the opening and at each later call; the
    // margin has to absorb the difference, or a call at the precise deadline is still rejected by the coarse clock.
    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Whatever_the_coarse_clock_lags_no_probe_is_let_through_early_and_the_first_call_at_the_deadline_is_one(int resolutionMs)
    {
        var resolution = TimeSpan.FromMilliseconds(resolutionMs);
        var step = TimeSpan.FromMilliseconds(1);
        var openTimeout = TimeSpan.FromMilliseconds(30_015);
        for (var phase = 0; phase < resolutionMs; phase++)
        {
            var clocks = new TwoClocks(resolution);
            clocks.Advance(phase * step);
            var breaker = clocks.Create(openTimeout);
            breaker.Fail(1);
            clocks.Advance(openTimeout - (100 * step));

            for (var early = 100; early > 0; early--)
            {
                breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse($"opened at {phase} ms: let through {early} ms early");
                retryAfter.ShouldBeGreaterThan(TimeSpan.Zero);
                retryAfter.ShouldBeLessThanOrEqualTo((early * step) + Margin);
                clocks.Advance(step);
            }

            breaker.TryAcquire(out var probe, out var late).ShouldBeTrue($"opened at {phase} ms: rejected at the deadline, retry after {late}");
            probe.IsProbe.ShouldBeTrue();
        }
    }

    [Fact]
    public void The_last_stretch_of_the_window_is_decided_by_the_precise_clock()
    {
        var clocks = new TwoClocks(TimeSpan.FromMilliseconds(16));
        var breaker = clocks.Create(TimeSpan.FromSeconds(30));
        breaker.Fail(1);
        clocks.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromMilliseconds(20));
        var preciseReads = clocks.PreciseReads;

        breaker.TryAcquire(out _, out var retryAfter).ShouldBeFalse();

        clocks.PreciseReads.ShouldBe(preciseReads + 1);
        retryAfter.ShouldBe(TimeSpan.FromMilliseconds(20));
    }
}
