using System.Globalization;
using System.Text;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// The shape of the broker-native delay topology, free of any broker call so that it can be checked exhaustively.
/// Level L is a topic exchange and a quorum queue, both named <see cref="LevelName"/>, whose queue holds messages for
/// 2^L seconds. A routing key spells the delay in binary, most significant bit first, followed by the destination:
/// at each level a message whose bit is 1 waits in that level's queue, one whose bit is 0 skips to the next level down.
/// After level 0 the delivery exchange passes the message to the destinations exchange, which hands it to its
/// destination queue (or exchange); a message that matches no destination goes to the unroutable (parking) queue.
/// </summary>
internal static class DelayRouting
{
    public const int MaxLevel = 17;
    public const int LevelCount = MaxLevel + 1;

    /// <summary>2^18 - 1 s, about 72.8 hours.</summary>
    public const long MaxDelaySeconds = (1L << LevelCount) - 1;

    /// <summary>Level 0's dead-letter exchange. It must stay as first declared (no arguments): its bindings are all it adds.</summary>
    public const string DeliveryExchange = "payments.delay.delivery";

    /// <summary>Behind the delivery exchange: one binding per destination, and the unroutable exchange as its alternate exchange.</summary>
    public const string DestinationsExchange = "payments.delay.destinations";

    /// <summary>The fanout exchange and quorum queue (same name) where a delayed message that reaches no destination is parked.</summary>
    public const string UnroutableExchange = "payments.delay.unroutable";

    /// <summary>
    /// The word between the delay bits and the destination. MassTransit entity names cannot contain <c>@</c>, so no
    /// binding made for the earlier key format (bits, then the destination) can match a key of this one.
    /// </summary>
    public const string DestinationMarker = "@";

    private const string LevelPrefix = "payments.delay.level-";

    public static string LevelName(int level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, MaxLevel);
        return LevelPrefix + level.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>The level of a level exchange's or queue's name.</summary>
    public static bool TryParseLevel(string? name, out int level)
    {
        level = -1;
        return name is not null
            && name.StartsWith(LevelPrefix, StringComparison.Ordinal)
            && name.Length == LevelPrefix.Length + 2
            && int.TryParse(name.AsSpan(LevelPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out level)
            && level <= MaxLevel;
    }

    public static long LevelTtlMilliseconds(int level) => (1L << level) * 1000;

    /// <summary>Where a level's queue dead-letters its expired messages: the next level down, or delivery after level 0.</summary>
    public static string DeadLetterExchange(int level) => level == 0 ? DeliveryExchange : LevelName(level - 1);

    /// <summary>
    /// The delay in whole seconds, rounded up so that a message never arrives early; zero when the time has already come.
    /// </summary>
    public static long ToDelaySeconds(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return 0;
        }

        var seconds = (delay.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        if (seconds > MaxDelaySeconds)
        {
            throw new ArgumentOutOfRangeException(
                nameof(delay), delay, $"Broker-native delays are limited to {MaxDelaySeconds} s ({TimeSpan.FromSeconds(MaxDelaySeconds)}).");
        }

        return seconds;
    }

    /// <summary>The level of the highest set bit: the first exchange worth publishing to, as every level above would only pass the message down.</summary>
    public static int FirstLevel(long delaySeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delaySeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delaySeconds, MaxDelaySeconds);
        return 63 - (int)ulong.LeadingZeroCount((ulong)delaySeconds);
    }

    /// <summary>The levels whose queue a message of this delay waits in, highest first; their TTLs add up to the delay.</summary>
    public static IReadOnlyList<int> WaitingLevels(long delaySeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delaySeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delaySeconds, MaxDelaySeconds);
        var levels = new List<int>();
        for (var level = MaxLevel; level >= 0; level--)
        {
            if ((delaySeconds & (1L << level)) != 0)
            {
                levels.Add(level);
            }
        }

        return levels;
    }

    /// <summary>For example 13 s to <c>verify-payment</c>: <c>0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.1.0.1.@.verify-payment</c>.</summary>
    public static string RoutingKey(long delaySeconds, string destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delaySeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delaySeconds, MaxDelaySeconds);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);

        var key = new StringBuilder(RoutingKeyLength(destination));
        for (var level = MaxLevel; level >= 0; level--)
        {
            key.Append((delaySeconds & (1L << level)) != 0 ? '1' : '0').Append('.');
        }

        return key.Append(DestinationMarker).Append('.').Append(destination).ToString();
    }

    /// <summary>
    /// The binding on level <paramref name="level"/>'s exchange that matches messages whose bit for that level is
    /// <paramref name="bitSet"/>: the bits above it are wildcards, everything after it is passed on unread.
    /// </summary>
    public static string LevelBindingPattern(int level, bool bitSet)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, MaxLevel);
        var pattern = new StringBuilder();
        for (var above = MaxLevel; above > level; above--)
        {
            pattern.Append("*.");
        }

        return pattern.Append(bitSet ? '1' : '0').Append(".#").ToString();
    }

    /// <summary>The length of a delay routing key to <paramref name="destination"/>; RabbitMQ allows 255.</summary>
    public static int RoutingKeyLength(string destination) => (LevelCount * 2) + DestinationMarker.Length + 1 + destination.Length;

    /// <summary>
    /// The delivery exchange's binding to the destinations exchange: every key of this format, and only those (a key of
    /// the earlier format has no marker and stays with the bindings made for it).
    /// </summary>
    public static string DeliveryPattern => BitWildcards().Append(DestinationMarker).Append(".#").ToString();

    /// <summary>
    /// The binding on the destinations exchange for one destination: exactly <see cref="LevelCount"/> bit words and the
    /// marker, then the destination's own words, so that <c>orders</c> never catches what was meant for <c>x.orders</c>.
    /// </summary>
    public static string DestinationPattern(string destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        return BitWildcards().Append(DestinationMarker).Append('.').Append(destination).ToString();
    }

    private static StringBuilder BitWildcards()
    {
        var pattern = new StringBuilder(LevelCount * 2);
        for (var level = MaxLevel; level >= 0; level--)
        {
            pattern.Append("*.");
        }

        return pattern;
    }
}
