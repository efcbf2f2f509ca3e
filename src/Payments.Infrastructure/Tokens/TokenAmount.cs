using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Payments.Infrastructure.Tokens;

/// <summary>
/// Exact conversion between an amount in whole token units ("1.5") and on-chain base units ("1500000" for USDC).
/// Works on the digits with <see cref="BigInteger"/>: a double would round and a decimal overflows at 28 digits,
/// while WLD amounts carry 18 decimals.
/// </summary>
public static partial class TokenAmount
{
    // Token balances are uint256 on chain: anything larger cannot be a real payment.
    private static readonly BigInteger MaxBaseUnits = (BigInteger.One << 256) - 1;

    // Longer than any uint256 in whole units plus a fraction; bounds the work done on hostile input.
    public const int MaxLength = 100;

    public enum ParseError
    {
        None,
        NotADecimal,
        TooManyDecimals,
        NotPositive,
        TooLarge,
    }

    /// <summary>
    /// Parses a plain decimal string (digits, optionally a dot and more digits; no sign, exponent, spaces or
    /// separators) into base units for a token with <paramref name="decimals"/> decimals.
    /// </summary>
    public static ParseError TryToBaseUnits(string amount, int decimals, out BigInteger baseUnits)
    {
        baseUnits = BigInteger.Zero;
        if (amount.Length > MaxLength)
        {
            return ParseError.TooLarge;
        }

        var match = DecimalPattern().Match(amount);
        if (!match.Success)
        {
            return ParseError.NotADecimal;
        }

        var whole = match.Groups["whole"].Value;
        var fraction = match.Groups["fraction"].Value;
        if (fraction.Length > decimals)
        {
            return ParseError.TooManyDecimals;
        }

        var digits = whole + fraction.PadRight(decimals, '0');
        baseUnits = BigInteger.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        if (baseUnits.IsZero)
        {
            return ParseError.NotPositive;
        }

        return baseUnits > MaxBaseUnits ? ParseError.TooLarge : ParseError.None;
    }

    /// <summary>Formats base units as whole token units, exactly and without trailing zeros ("1500000", 6 -> "1.5").</summary>
    public static string ToWholeUnits(string baseUnits, int decimals)
    {
        var value = BigInteger.Parse(baseUnits, NumberStyles.None, CultureInfo.InvariantCulture);
        var scale = BigInteger.Pow(10, decimals);
        var whole = BigInteger.DivRem(value, scale, out var remainder);
        var wholeText = whole.ToString(CultureInfo.InvariantCulture);
        if (remainder.IsZero)
        {
            return wholeText;
        }

        var fractionText = remainder.ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0').TrimEnd('0');
        return $"{wholeText}.{fractionText}";
    }

    // [0-9] rather than \d: \d also matches non-ASCII digits such as Arabic-Indic ones. \z rather than $: $ also
    // matches before a trailing newline.
    [GeneratedRegex(@"^(?<whole>[0-9]+)(\.(?<fraction>[0-9]+))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();
}
