using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
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

    /// <summary>The transaction will never pay this intent: failed on chain, another reference or another recipient.</summary>
    public sealed record Rejected(string Reason) : Verdict;

    /// <summary>The money reached the recipient but does not match: an operator refunds or tops up.</summary>
    public sealed record Review(string ReviewReason, string Reason, string? TransactionHash) : Verdict;

    /// <summary>
    /// Not final yet: pending, mined without a valid hash, or an answer this service cannot read yet (a status word it does
    /// not know, an amount that is no number). Check again later; <paramref name="Unknown"/> says which budget reason applies
    /// if it never becomes final.
    /// </summary>
    public sealed record Pending(bool Unknown = false) : Verdict;
}

/// <summary>
/// Compares a portal transaction with what the intent expects. The verdict follows the money: a transaction for another
/// reference or another recipient did not pay this intent (rejected); money that reached the recipient but in the wrong
/// token or amount needs a person (review); only an exact match with a valid hash confirms.
/// </summary>
public static partial class PaymentMatcher
{
    public const string StatusMined = "mined";
    public const string StatusPending = "pending";
    public const string StatusFailed = "failed";

    /// <summary>The status recorded for a not-found answer inside the not-found grace.</summary>
    public const string StatusNotFound = "not_found";

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
            // A status the portal did not document: no verdict is safe, and it is no failure of ours either, so it is
            // checked again like a pending one and goes to review once the pending budget is spent.
            return new Verdict.Pending(Unknown: true);
        }

        // The portal reports "mined" a moment before the hash is indexed; only a well-formed hash makes the payment provable.
        var hash = ValidHash(actual.TransactionHash);
        if (hash is null)
        {
            return new Verdict.Pending();
        }

        if (!string.Equals(expected.Reference, actual.Reference, StringComparison.Ordinal))
        {
            return new Verdict.Rejected(Describe("reference", expected.Reference, actual.Reference));
        }

        // Addresses are hex: checksummed (EIP-55) and lower-case spellings are the same address.
        if (!string.Equals(expected.Recipient, actual.Recipient, StringComparison.OrdinalIgnoreCase))
        {
            return new Verdict.Rejected(Describe("recipient", expected.Recipient, actual.Recipient));
        }

        // From here on the money reached our recipient for this reference: nothing below may fail the intent.
        if (!TokenAliases.Same(expected.Token, actual.Token))
        {
            return new Verdict.Review(
                ReviewReasons.WrongToken, $"{ReviewReasons.WrongToken}: expected {expected.Token}, got {Quote(actual.Token)}", hash);
        }

        if (!TryParseBaseUnits(actual.TokenAmount, out var paid) || !TryParseBaseUnits(expected.Amount, out var asked))
        {
            // An amount that is no integer of base units cannot be compared: an unreadable answer, not a short payment.
            return new Verdict.Pending(Unknown: true);
        }

        if (paid == asked)
        {
            return new Verdict.Confirmed(hash);
        }

        var reviewReason = paid < asked ? ReviewReasons.Underpaid : ReviewReasons.Overpaid;
        return new Verdict.Review(
            reviewReason,
            string.Create(CultureInfo.InvariantCulture, $"{reviewReason}: expected {asked}, got {paid} (base units)"),
            hash);
    }

    /// <summary>The hash in lower case when it is <c>0x</c> and 64 hex digits, else null (treated as not indexed yet).</summary>
    public static string? ValidHash(string? hash) =>
        hash is not null && HashPattern().IsMatch(hash) ? hash.ToLowerInvariant() : null;

    private static bool TryParseBaseUnits(string? value, out BigInteger units)
    {
        units = BigInteger.Zero;

        // uint256 has at most 78 digits; a longer string is no amount and not worth parsing.
        return !string.IsNullOrEmpty(value)
            && value.Length <= 78
            && BigInteger.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out units);
    }

    private static string Describe(string field, string? expected, string? actual) =>
        $"{field} mismatch: expected {expected ?? Missing}, got {Quote(actual)}";

    private static string Quote(string? value) => string.IsNullOrEmpty(value) ? Missing : PortalText.Bounded(value);

    // \z rather than $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^0x[0-9a-fA-F]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex HashPattern();
}
