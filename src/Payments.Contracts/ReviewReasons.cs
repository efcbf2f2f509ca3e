namespace Payments.Contracts;

/// <summary>
/// Why an intent is in <see cref="PaymentStatuses.NeedsReview"/>: machine-readable, in the status document as
/// <c>reviewReason</c>; the human reason is in <c>lastError</c>.
/// </summary>
public static class ReviewReasons
{
    /// <summary>The money reached the recipient, in the right token, but less than the intent asked for.</summary>
    public const string Underpaid = "underpaid";

    /// <summary>The money reached the recipient, in the right token, but more than the intent asked for.</summary>
    public const string Overpaid = "overpaid";

    /// <summary>The money reached the recipient in another token than the intent asked for.</summary>
    public const string WrongToken = "wrongToken";

    /// <summary>A matching transaction was submitted after the intent expired, and late payments go to review.</summary>
    public const string PaidAfterExpiry = "paidAfterExpiry";

    /// <summary>The portal kept answering pending (or mined without a hash, or not found) past the pending budget.</summary>
    public const string PendingTooLong = "pendingTooLong";

    /// <summary>The portal kept answering a transaction status this service does not know, past the pending budget.</summary>
    public const string UnknownPortalStatus = "unknownPortalStatus";

    /// <summary>Real failures used up every redelivery; the command is in <c>verify-payment_error</c>.</summary>
    public const string VerificationFaulted = "verificationFaulted";
}
