using System.Text;

namespace Payments.Consumer.Verification;

/// <summary>
/// Makes a value taken from the portal safe to store and to show: bounded in length, printable, never a lone surrogate.
/// The portal is a remote party; an odd answer must never make a saga row unsaveable or a status document unreadable.
/// </summary>
internal static class PortalText
{
    /// <summary>The longest portal value quoted in a reason (a uint256 amount has 78 digits).</summary>
    public const int MaxQuoted = 80;

    public static string Bounded(string value, int maxLength = MaxQuoted)
    {
        var clean = IsClean(value) ? value : Clean(value);
        if (clean.Length <= maxLength)
        {
            return clean;
        }

        // Never cut a surrogate pair in two.
        var keep = maxLength - 1;
        if (char.IsHighSurrogate(clean[keep - 1]))
        {
            keep--;
        }

        return string.Concat(clean.AsSpan(0, keep), "…");
    }

    private static bool IsClean(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static string Clean(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                builder.Append(c).Append(value[++i]);
            }
            else
            {
                builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
            }
        }

        return builder.ToString();
    }
}
