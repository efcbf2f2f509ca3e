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
}
