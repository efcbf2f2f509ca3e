namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>What the broker-native delays can hold, for options that must fit in them.</summary>
public static class BrokerDelayLimits
{
    /// <summary>The longest delay the levels add up to (2^18 - 1 s, about 72.8 hours).</summary>
    public static TimeSpan MaxDelay { get; } = TimeSpan.FromSeconds(DelayRouting.MaxDelaySeconds);
}
