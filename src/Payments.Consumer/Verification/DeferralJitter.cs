namespace Payments.Consumer.Verification;

/// <summary>
/// Spreads open-circuit deferrals so that messages deferred together do not all come back in the same second.
/// Replaceable in tests with a fixed sample.
/// </summary>
public sealed class DeferralJitter(Func<double> sample)
{
    public static DeferralJitter Shared { get; } = new(Random.Shared.NextDouble);

    /// <summary><paramref name="retryAfter"/> plus a random share of it, at most <paramref name="ratio"/>.</summary>
    public TimeSpan Apply(TimeSpan retryAfter, double ratio)
    {
        var fraction = Math.Clamp(sample(), 0.0, 1.0) * ratio;
        return retryAfter + TimeSpan.FromTicks((long)(retryAfter.Ticks * fraction));
    }
}
