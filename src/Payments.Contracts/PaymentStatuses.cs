namespace Payments.Contracts;

/// <summary>The statuses a payment intent goes through; the last three are final.</summary>
public static class PaymentStatuses
{
    /// <summary>Created; waiting for the mini-app to submit a transaction id.</summary>
    public const string AwaitingTransaction = "AwaitingTransaction";

    /// <summary>A transaction id was submitted; verification against the portal is under way.</summary>
    public const string Verifying = "Verifying";

    /// <summary>Final: the portal confirmed a matching transaction.</summary>
    public const string Confirmed = "Confirmed";

    /// <summary>Final: the transaction failed, is unknown, does not match, or is used by another intent.</summary>
    public const string Failed = "Failed";

    /// <summary>Final: no transaction was submitted before the deadline.</summary>
    public const string Expired = "Expired";

    /// <summary>Verification gave up after its retries; an operator decides (the message can be re-driven).</summary>
    public const string NeedsReview = "NeedsReview";
}
