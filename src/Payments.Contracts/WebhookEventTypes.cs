namespace Payments.Contracts;

/// <summary>The events pushed to a client's webhook endpoint, one per final status, review and resolution.</summary>
public static class WebhookEventTypes
{
    /// <summary>The intent reached <see cref="PaymentStatuses.Confirmed"/> through verification.</summary>
    public const string Confirmed = "payment.confirmed";

    /// <summary>The intent reached <see cref="PaymentStatuses.Failed"/> through verification.</summary>
    public const string Failed = "payment.failed";

    /// <summary>The intent reached <see cref="PaymentStatuses.Expired"/>.</summary>
    public const string Expired = "payment.expired";

    /// <summary>The intent entered <see cref="PaymentStatuses.NeedsReview"/>.</summary>
    public const string NeedsReview = "payment.needs_review";

    /// <summary>An operator resolved a review; the status document says how.</summary>
    public const string Resolved = "payment.resolved";

    /// <summary>Every event type.</summary>
    public static IReadOnlyList<string> All { get; } = [Confirmed, Failed, Expired, NeedsReview, Resolved];
}
