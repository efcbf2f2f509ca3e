namespace Payments.Contracts;

/// <summary>Header names the processes agree on.</summary>
public static class MessageHeaders
{
    /// <summary>
    /// How many times a <see cref="VerifyPayment"/> was deferred because the portal circuit was open. Kept apart from
    /// <c>MT-Redelivery-Count</c>, which counts real failures only.
    /// </summary>
    public const string DeferralCount = "Payments-Deferral-Count";

    /// <summary>How many times a <see cref="VerifyPayment"/> found the transaction pending.</summary>
    public const string PendingCheckCount = "Payments-Pending-Check-Count";
}
