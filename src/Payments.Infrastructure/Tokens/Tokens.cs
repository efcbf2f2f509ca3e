namespace Payments.Infrastructure.Tokens;

/// <summary>The tokens MiniKit <c>pay</c> supports, with the decimals their on-chain base units use.</summary>
public static class Tokens
{
    public const string Wld = "WLD";
    public const string Usdc = "USDC";

    public static IReadOnlyList<string> Symbols { get; } = [Wld, Usdc];

    /// <summary>Resolves a symbol case-insensitively to its canonical upper-case form.</summary>
    public static bool TryGetDecimals(string? symbol, out string canonical, out int decimals)
    {
        switch (symbol?.ToUpperInvariant())
        {
            case Wld:
                canonical = Wld;
                decimals = 18;
                return true;
            case Usdc:
                canonical = Usdc;
                decimals = 6;
                return true;
            default:
                canonical = string.Empty;
                decimals = 0;
                return false;
        }
    }
}
