namespace Payments.Contracts;

/// <summary>An operator's decision on an intent in <see cref="PaymentStatuses.NeedsReview"/> (<see cref="ResolvePayment"/>).</summary>
public static class Resolutions
{
    /// <summary>The payment is accepted as it is: the intent becomes <see cref="PaymentStatuses.Confirmed"/>.</summary>
    public const string Confirm = "confirm";

    /// <summary>The payment is not accepted and nothing is returned: the intent becomes <see cref="PaymentStatuses.Failed"/>.</summary>
    public const string Fail = "fail";

    /// <summary>The payer was refunded: the intent becomes <see cref="PaymentStatuses.Refunded"/>.</summary>
    public const string Refunded = "refunded";

    /// <summary>Every resolution, in the order the API documents them.</summary>
    public static IReadOnlyList<string> All { get; } = [Confirm, Fail, Refunded];

    /// <summary>The status a resolution settles an intent in, or null for an unknown resolution.</summary>
    public static string? StatusOf(string resolution) => resolution switch
    {
        Confirm => PaymentStatuses.Confirmed,
        Fail => PaymentStatuses.Failed,
        Refunded => PaymentStatuses.Refunded,
        _ => null,
    };
}
