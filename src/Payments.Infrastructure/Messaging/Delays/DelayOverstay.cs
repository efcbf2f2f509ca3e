using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// How much longer than its TTL a delayed message stayed in each level it went through, read from the headers it
/// arrives with: the due time the scheduler stamps, and RabbitMQ's <c>x-death</c>, which records for every level queue the
/// time (whole seconds, the broker's clock) the message was dead-lettered out of it. RabbitMQ 3.10 exposes no age of the
/// oldest message of a quorum queue, so this is how a level that holds messages too long shows.
/// </summary>
internal static class DelayOverstay
{
    /// <summary>When the message is due out of level 00 (ISO 8601, UTC), stamped when it enters its first level.</summary>
    public const string DueHeader = "Payments-Delay-Due";

    public static string FormatDue(DateTimeOffset due) => due.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>
    /// The overstay per level, in the order the message went through them (highest level first), never negative. Empty
    /// when the headers do not describe exactly one trip through the levels: no due time, no <c>x-death</c>, a level passed
    /// more than once, or levels whose TTLs do not add up to a whole trip.
    /// </summary>
    public static IReadOnlyList<(int Level, TimeSpan Overstay)> Measure(IDictionary<string, object?>? headers)
    {
        if (headers is null
            || !headers.TryGetValue(DueHeader, out var dueValue)
            || !DateTimeOffset.TryParse(AsString(dueValue), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var due)
            || !headers.TryGetValue("x-death", out var deathsValue)
            || deathsValue is not IEnumerable<object> deaths)
        {
            return [];
        }

        var exits = new SortedDictionary<int, long>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        foreach (var death in deaths.OfType<IDictionary<string, object?>>())
        {
            if (!TryGetLevel(death, out var level))
            {
                continue;
            }

            if (AsString(death.TryGetValue("reason", out var reason) ? reason : null) != "expired"
                || !(death.TryGetValue("count", out var count) && Convert.ToInt64(count, CultureInfo.InvariantCulture) == 1)
                || !(death.TryGetValue("time", out var time) && time is AmqpTimestamp timestamp)
                || !exits.TryAdd(level, timestamp.UnixTime))
            {
                return [];
            }
        }

        if (exits.Count == 0)
        {
            return [];
        }

        // The levels a message waits in add up to its delay, so it entered the first one that long before it was due.
        var entered = due.ToUnixTimeMilliseconds() - exits.Keys.Sum(DelayRouting.LevelTtlMilliseconds);
        var overstays = new List<(int, TimeSpan)>(exits.Count);
        foreach (var (level, exitSeconds) in exits)
        {
            var exit = exitSeconds * 1000;
            var overstay = exit - entered - DelayRouting.LevelTtlMilliseconds(level);

            // x-death keeps whole seconds, truncated: a level left on time can look up to a second early.
            overstays.Add((level, TimeSpan.FromMilliseconds(Math.Max(0, overstay))));
            entered = exit;
        }

        return overstays;
    }

    private static bool TryGetLevel(IDictionary<string, object?> death, out int level) =>
        DelayRouting.TryParseLevel(AsString(death.TryGetValue("queue", out var queue) ? queue : null), out level);

    // AMQP strings arrive as bytes.
    private static string? AsString(object? value) => value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => null,
    };
}
