namespace Payments.Consumer.Verification;

/// <summary>Doubling delays with a cap: the pending re-check schedule, the redelivery schedule and webhook retries.</summary>
internal static class Backoff
{
    /// <summary>The delay before attempt <paramref name="attempt"/> (0-based): <c>min * 2^attempt</c>, at most <paramref name="max"/>.</summary>
    public static TimeSpan Doubling(int attempt, TimeSpan min, TimeSpan max)
    {
        // Beyond 2^30 the product overflows long before it matters: the cap has been reached anyway.
        if (attempt >= 30)
        {
            return max;
        }

        var ticks = min.Ticks * (1L << Math.Max(attempt, 0));
        return ticks >= max.Ticks || ticks < 0 ? max : TimeSpan.FromTicks(ticks);
    }

    /// <summary>The first <paramref name="count"/> doubling delays.</summary>
    public static TimeSpan[] DoublingSchedule(int count, TimeSpan min, TimeSpan max) =>
        Enumerable.Range(0, count).Select(attempt => Doubling(attempt, min, max)).ToArray();
}
