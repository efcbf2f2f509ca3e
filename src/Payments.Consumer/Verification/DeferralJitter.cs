namespace Payments.Consumer.Verification;

/// <summary>
/// Spreads open-circuit deferrals so that messages deferred together do not all come back in the same second.
/// Replaceable in tests with a fixed sample.
/// </summary>
public sealed class DeferralJitter(Func<double> sample)
{
    public static DeferralJitter Shared { get; } = new(Random.Shared.NextDouble);

    /// <summary>
    /// <paramref name="retryAfter"/> plus a random share of it, at most <paramref name="ratio"/> of it and at most
    /// <paramref name="max"/> when given.
    /// </summary>
    public TimeSpan Apply(TimeSpan retryAfter, double ratio, TimeSpan? max = null)
    {
        var spread = TimeSpan.FromTicks((long)(retryAfter.Ticks * ratio));
        if (max is { } cap && spread > cap)
        {
            spread = cap;
        }

        return retryAfter + TimeSpan.FromTicks((long)(spread.Ticks * Math.Clamp(sample(), 0.0, 1.0)));
    }
}
