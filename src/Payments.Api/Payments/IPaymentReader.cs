using Payments.Api.Validation;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Payments;

/// <summary>Reads saga rows for the API; a seam so endpoint tests need no database.</summary>
internal interface IPaymentReader
{
    /// <summary>The intent, or null when it does not exist or belongs to another client (the two look the same).</summary>
    Task<PaymentState?> FindAsync(Guid paymentId, string clientId, CancellationToken cancellationToken);

    /// <summary>The intent whichever client it belongs to, or null when it does not exist. For operators' routes only.</summary>
    Task<PaymentState?> FindOfAnyClientAsync(Guid paymentId, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="count"/> intents of every client in <paramref name="status"/>, oldest first by
    /// (<see cref="PaymentState.CreatedAt"/>, <see cref="PaymentState.CorrelationId"/>), strictly after
    /// <paramref name="after"/> when given.
    /// </summary>
    Task<IReadOnlyList<PaymentState>> ListByStatusAsync(string status, ListPosition? after, int count, CancellationToken cancellationToken);

    /// <summary>The newest webhook event of the intent, or null when none was stored (no endpoint, or no event yet).</summary>
    Task<WebhookEvent?> FindLatestWebhookEventAsync(Guid paymentId, CancellationToken cancellationToken);

    /// <summary>The newest webhook event of each of the intents that has one, in one query.</summary>
    Task<IReadOnlyDictionary<Guid, WebhookEvent>> FindLatestWebhookEventsAsync(IReadOnlyCollection<Guid> paymentIds, CancellationToken cancellationToken);
}
