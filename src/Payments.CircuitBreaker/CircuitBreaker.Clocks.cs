using System.Runtime.CompilerServices;

namespace Payments.CircuitBreaker;

// The clocks: the precise timestamp of the TimeProvider, the coarse Environment.TickCount64 deadline, and the conversions.
public sealed partial class CircuitBreaker
{
    // The coarse clock (Environment.TickCount64) ticks every 1-16 ms depending on the platform; the last stretch of an open window
    // this long is always checked against the precise clock, so the coarse clock's lag can never keep a circuit open past its
    // deadline by more than its resolution, and it never decides to let a call through.
    internal const long CoarseMarginMilliseconds = 50;

    private readonly long _openTimeoutTimestampTicks;
    private readonly long _probeTimeoutTimestampTicks;
    private readonly double _timeSpanTicksPerTimestampTick;
    private readonly bool _coarseClock;
    private readonly long _openTimeoutMilliseconds;
    private readonly Func<long>? _coarseTicks;

    private long _openDeadline;

    // The open deadline on the coarse clock, in Environment.TickCount64 milliseconds; read only when _coarseClock.
    private long _coarseOpenDeadline;

    // Readers outside the lock see a new window either whole or not at all where it matters: the coarse deadline only ever
    // rejects, and a call the precise deadline lets through re-checks it under the lock (TryAcquireSlow).
    private void SetOpenWindowLocked(long tick, long nowTimestamp, long openForTimestampTicks, long openForMilliseconds)
    {
        Volatile.Write(ref _openDeadline, SaturatingAdd(nowTimestamp, openForTimestampTicks));
        if (_coarseClock)
        {
            Volatile.Write(ref _coarseOpenDeadline, tick + openForMilliseconds);
        }
    }

    // The coarse clock: Environment.TickCount64, or the tests' stand-in.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long CoarseNow() => _coarseTicks is null ? Environment.TickCount64 : _coarseTicks();

    private TimeSpan ToTimeSpan(long timestampTicks) => new((long)(timestampTicks * _timeSpanTicksPerTimestampTick));

    private long ToTimestampTicks(TimeSpan duration)
    {
        var ticks = duration.Ticks / _timeSpanTicksPerTimestampTick;
        return ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : (long)ticks;
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static DateTimeOffset SaturatingAdd(DateTimeOffset at, TimeSpan duration) =>
        duration > DateTimeOffset.MaxValue - at ? DateTimeOffset.MaxValue : at + duration;

    private static long ToCoarseMilliseconds(TimeSpan duration) => (long)Math.Min(duration.TotalMilliseconds, long.MaxValue / 4);
}
