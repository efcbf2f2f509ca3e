namespace Payments.Contracts;

/// <summary>
/// The statuses a payment intent goes through. Final: Confirmed, Failed, Expired, Refunded (an expired intent still takes a
/// late transaction).
/// </summary>
public static class PaymentStatuses
{
    /// <summary>Created; waiting for the mini-app to submit a transaction id.</summary>
    public const string AwaitingTransaction = "AwaitingTransaction";

    /// <summary>A transaction id was submitted; verification against the portal is under way.</summary>
    public const string Verifying = "Verifying";

    /// <summary>Final: the portal confirmed a matching transaction.</summary>
    public const string Confirmed = "Confirmed";

    /// <summary>Final: the transaction failed on chain, is unknown, paid another reference or recipient, or confirmed another intent.</summary>
    public const string Failed = "Failed";

    /// <summary>Final: no transaction was submitted before the deadline.</summary>
    public const string Expired = "Expired";

    /// <summary>
    /// The money may have arrived but does not settle the intent on its own (see <see cref="ReviewReasons"/>); an operator
    /// decides (<see cref="ResolvePayment"/>), or a re-driven verification settles it.
    /// </summary>
    public const string NeedsReview = "NeedsReview";

    /// <summary>Final: an operator resolved a review by refunding the payer (<see cref="Resolutions.Refunded"/>).</summary>
    public const string Refunded = "Refunded";

    /// <summary>Every status, in the order the API documents them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [AwaitingTransaction, Verifying, Confirmed, Failed, Expired, NeedsReview, Refunded];
}
