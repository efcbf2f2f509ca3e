using System.Globalization;
using System.Numerics;
using Payments.Consumer.Portal;
using Payments.Contracts;

namespace Payments.Consumer.Verification;

/// <summary>What the portal's answer means for one <see cref="VerifyPayment"/>.</summary>
public abstract record Verdict
{
    private Verdict()
    {
    }

    public sealed record Confirmed(string TransactionHash) : Verdict;

    public sealed record Rejected(string Reason) : Verdict;

    /// <summary>Not final yet (pending, or mined without a hash): check again later.</summary>
    public sealed record Pending : Verdict;
}

/// <summary>Compares a portal transaction with what the intent expects (DESIGN.md, flow step 4).</summary>
public static class PaymentMatcher
{
    public const string StatusMined = "mined";
    public const string StatusPending = "pending";
    public const string StatusFailed = "failed";

    public const string FailedOnChainReason = "transaction failed on chain";
    public const string NotFoundReason = "transaction not found in Developer Portal";

    private const string Missing = "(none)";

    public static Verdict Evaluate(VerifyPayment expected, PortalTransaction actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);

        if (string.Equals(actual.Status, StatusFailed, StringComparison.OrdinalIgnoreCase))
        {
            return new Verdict.Rejected(FailedOnChainReason);
        }

        if (string.Equals(actual.Status, StatusPending, StringComparison.OrdinalIgnoreCase))
        {
            return new Verdict.Pending();
        }

        if (!string.Equals(actual.Status, StatusMined, StringComparison.OrdinalIgnoreCase))
        {
            // A status the portal did not document: no verdict is safe, so it goes the way of a failure (redelivery,
            // then review by an operator) rather than being guessed.
            throw new UnexpectedPortalStatusException(actual.Status);
        }

        // The portal reports "mined" a moment before the hash is indexed; only a hash makes the payment provable.
        if (string.IsNullOrWhiteSpace(actual.TransactionHash))
        {
            return new Verdict.Pending();
        }

        return Mismatch(expected, actual) is { } reason
            ? new Verdict.Rejected(reason)
            : new Verdict.Confirmed(actual.TransactionHash);
    }

    private static string? Mismatch(VerifyPayment expected, PortalTransaction actual)
    {
        if (!string.Equals(expected.Reference, actual.Reference, StringComparison.Ordinal))
        {
            return Describe("reference", expected.Reference, actual.Reference);
        }

        // Addresses are hex: checksummed (EIP-55) and lower-case spellings are the same address.
        if (!string.Equals(expected.Recipient, actual.Recipient, StringComparison.OrdinalIgnoreCase))
        {
            return Describe("recipient", expected.Recipient, actual.Recipient);
        }

        if (!string.Equals(expected.Token, actual.Token, StringComparison.OrdinalIgnoreCase))
        {
            return Describe("token", expected.Token, actual.Token);
        }

        if (!AmountsMatch(expected.Amount, actual.TokenAmount))
        {
            return Describe("amount", expected.Amount, actual.TokenAmount);
        }

        return null;
    }

    /// <summary>Base units compared as exact integers; anything that is not a plain non-negative integer never matches.</summary>
    private static bool AmountsMatch(string expected, string? actual) =>
        TryParseBaseUnits(expected, out var expectedUnits)
        && TryParseBaseUnits(actual, out var actualUnits)
        && expectedUnits == actualUnits;

    private static bool TryParseBaseUnits(string? value, out BigInteger units)
    {
        units = BigInteger.Zero;
        return !string.IsNullOrEmpty(value)
            && BigInteger.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out units);
    }

    private static string Describe(string field, string? expected, string? actual) =>
        $"{field} mismatch: expected {expected ?? Missing}, got {(string.IsNullOrEmpty(actual) ? Missing : actual)}";
}

/// <summary>The portal answered with a transaction status this service does not know.</summary>
public sealed class UnexpectedPortalStatusException(string status)
    : Exception($"unexpected portal transaction status '{status}'")
{
    public string Status { get; } = status;
}
