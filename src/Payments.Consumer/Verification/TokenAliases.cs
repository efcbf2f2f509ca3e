namespace Payments.Consumer.Verification;

/// <summary>
/// The token symbols the portal may report for each token an intent can ask for. MiniKit has spelled bridged USDC as
/// <c>USDCE</c>, <c>USDC.e</c>, <c>usdc</c> and <c>USDC</c> in different versions; WLD has stayed <c>WLD</c>. Compared
/// case-insensitively, so <c>USDC.e</c> and <c>usdc.E</c> are one spelling.
/// </summary>
public static class TokenAliases
{
    private static readonly Dictionary<string, string> _canonical = new(StringComparer.OrdinalIgnoreCase)
    {
        ["WLD"] = "WLD",
        ["USDC"] = "USDC",
        ["USDCE"] = "USDC",
        ["USDC.e"] = "USDC",
    };

    /// <summary>Every accepted spelling with the token it stands for, for documentation and tests.</summary>
    public static IReadOnlyDictionary<string, string> All => _canonical;

    /// <summary>The canonical symbol of <paramref name="symbol"/>, or null when it is no token this service knows.</summary>
    public static string? Canonical(string? symbol) =>
        symbol is not null && _canonical.TryGetValue(symbol, out var canonical) ? canonical : null;

    /// <summary>Whether the portal's <paramref name="reported"/> symbol is the intent's <paramref name="expected"/> token.</summary>
    public static bool Same(string expected, string? reported) =>
        Canonical(expected) is { } canonical && string.Equals(canonical, Canonical(reported), StringComparison.Ordinal);
}
