using Payments.Infrastructure.Persistence;

namespace Payments.Api.Payments;

/// <summary>Reads saga rows for the API; a seam so endpoint tests need no database.</summary>
internal interface IPaymentReader
{
    /// <summary>The intent, or null when it does not exist or belongs to another client (the two look the same).</summary>
    Task<PaymentState?> FindAsync(Guid paymentId, string clientId, CancellationToken cancellationToken);

    /// <summary>The newest webhook event of the intent, or null when none was stored (no endpoint, or no event yet).</summary>
    Task<WebhookEvent?> FindLatestWebhookEventAsync(Guid paymentId, CancellationToken cancellationToken);
}
