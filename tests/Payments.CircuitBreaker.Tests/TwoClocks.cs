namespace Payments.CircuitBreaker.Tests;

/// <summary>
/// Fake time for both of a breaker's clocks: the precise timestamp (this TimeProvider, one timestamp tick per TimeSpan tick) and
/// the coarse tick count it stands in for Environment.TickCount64, which moves in steps of <c>coarseResolution</c> as the real
/// one does. <see cref="PauseAfterNextRead"/> models the thread being descheduled right after its next read of either clock.
/// </summary>
internal sealed class TwoClocks(TimeSpan? coarseResolution = null) : TimeProvider
{
    // The coarse clock counts from boot, far from zero like the real one.
    private const long CoarseOrigin = 1_000_000;

    private readonly long _coarseResolutionTicks = (coarseResolution ?? TimeSpan.FromMilliseconds(1)).Ticks;
    private long _ticks;
    private TimeSpan _pause;

    public int PreciseReads { get; private set; }

    public int CoarseReads { get; private set; }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => TestBreakers.Start + TimeSpan.FromTicks(_ticks);

    public override long GetTimestamp()
    {
        PreciseReads++;
        return Read();
    }

    public long GetCoarseTicks()
    {
        CoarseReads++;
        var ticks = Read();
        return CoarseOrigin + (ticks - (ticks % _coarseResolutionTicks)) / TimeSpan.TicksPerMillisecond;
    }

    public void Advance(TimeSpan by) => _ticks += by.Ticks;

    public void PauseAfterNextRead(TimeSpan pause) => _pause = pause;

    public CircuitBreaker Create(TimeSpan openTimeout, int failureThreshold = 1, int successThreshold = 1) => new(
        "TwoClocks",
        new CircuitBreakerOptions { FailureThreshold = failureThreshold, SuccessThreshold = successThreshold, OpenTimeout = openTimeout },
        this,
        GetCoarseTicks,
        logger: null,
        telemetry: null);

    private long Read()
    {
        var now = _ticks;
        _ticks += _pause.Ticks;
        _pause = TimeSpan.Zero;
        return now;
    }
}
