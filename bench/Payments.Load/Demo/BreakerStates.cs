namespace Payments.Load.Demo;

/// <summary>The live line's breaker part: each breaker once, with the state every consumer instance reports for it.</summary>
public static class BreakerStates
{
    /// <summary>The portal's breaker, the one an outage opens: shown first.</summary>
    public const string PortalBreaker = "DeveloperPortal";

    /// <summary>
    /// <c>DeveloperPortal consumer-1=CLOSED consumer-2=OPEN | Webhooks.default consumer-1=CLOSED</c> from states keyed
    /// <c>{breaker}@{instance}</c>; instances in name order, so that the line keeps its layout from second to second.
    /// </summary>
    public static string Line(IReadOnlyDictionary<string, string> states)
    {
        if (states.Count == 0)
        {
            return "breakers: (no report yet)";
        }

        var breakers = states
            .Select(s => (Key: s.Key.Split('@', 2), State: s.Value))
            .Select(s => (Breaker: s.Key[0], Instance: s.Key.Length > 1 ? s.Key[1] : "?", s.State))
            .GroupBy(s => s.Breaker, StringComparer.Ordinal)
            .OrderBy(g => g.Key == PortalBreaker ? 0 : 1)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key + " " + string.Join(" ", g.OrderBy(s => s.Instance, StringComparer.Ordinal).Select(s => $"{s.Instance}={s.State}")));
        return string.Join(" | ", breakers);
    }
}
