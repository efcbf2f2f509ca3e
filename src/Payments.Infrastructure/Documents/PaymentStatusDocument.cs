using Payments.Infrastructure.Persistence;
using Payments.Infrastructure.Tokens;

namespace Payments.Infrastructure.Documents;

/// <summary>
/// The status document of one intent: what <c>GET /api/payments/{reference}</c> answers and what every webhook event
/// carries as <c>payment</c>. Amounts are in whole token units, as the client gave them.
/// </summary>
public sealed record PaymentStatusDocument(
    string Reference,
    string UserId,
    string Amount,
    string Token,
    string Recipient,
    string Status,
    string? TransactionId,
    string? TransactionHash,
    int VerificationAttempts,
    int CircuitDeferrals,
    int PendingChecks,
    string? LastError,
    string? ReviewReason,
    bool SubmittedAfterExpiry,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset ExpiresAt,
    string? Resolution,
    string? ResolutionNote,
    DateTimeOffset? ResolvedAt,
    WebhookStatusDocument? Webhook)
{
    /// <summary>The document of <paramref name="payment"/>; <paramref name="latestEvent"/> is its newest webhook event, if any.</summary>
    public static PaymentStatusDocument From(PaymentState payment, WebhookEvent? latestEvent)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var amount = Tokens.Tokens.TryGetDecimals(payment.Token, out _, out var decimals)
            ? TokenAmount.ToWholeUnits(payment.Amount, decimals)
            : payment.Amount;
        return new PaymentStatusDocument(
            payment.Reference,
            payment.UserId,
            amount,
            payment.Token,
            payment.Recipient,
            payment.CurrentState,
            payment.TransactionId,
            payment.TransactionHash,
            payment.VerificationAttempts,
            payment.CircuitDeferrals,
            payment.PendingChecks,
            payment.LastError,
            payment.ReviewReason,
            payment.SubmittedAfterExpiry,
            payment.CreatedAt,
            payment.UpdatedAt,
            payment.ConfirmedAt,
            payment.ExpiresAt,
            payment.Resolution,
            payment.ResolutionNote,
            payment.ResolvedAt,
            latestEvent is null ? null : WebhookStatusDocument.From(latestEvent));
    }
}

/// <summary>Where the intent's latest webhook event stands; null in the document when none was sent.</summary>
public sealed record WebhookStatusDocument(
    Guid EventId,
    string Type,
    string Status,
    int Attempts,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    int? LastStatusCode,
    string? LastError)
{
    public static WebhookStatusDocument From(WebhookEvent webhookEvent)
    {
        ArgumentNullException.ThrowIfNull(webhookEvent);
        return new WebhookStatusDocument(
            webhookEvent.Id,
            webhookEvent.Type,
            webhookEvent.Status,
            webhookEvent.Attempts,
            webhookEvent.LastAttemptAt,
            webhookEvent.DeliveredAt,
            webhookEvent.LastStatusCode,
            webhookEvent.LastError);
    }
}
