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
}
