using Microsoft.EntityFrameworkCore;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Payments;

internal sealed class EfPaymentReader(IDbContextFactory<PaymentsDbContext> contexts) : IPaymentReader
{
    public async Task<PaymentState?> FindAsync(Guid paymentId, string clientId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // No tracking and no lock: the saga owns the row; the API only reports its latest committed state.
        return await db.Payments.AsNoTracking().FirstOrDefaultAsync(p => p.CorrelationId == paymentId && p.ClientId == clientId, cancellationToken);
    }

    public async Task<WebhookEvent?> FindLatestWebhookEventAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.WebhookEvents.AsNoTracking()
            .Where(e => e.PaymentId == paymentId)
            .OrderByDescending(e => e.CreatedAt)
            .ThenByDescending(e => e.Id)
            .FirstOrDefaultAsync(cancellationToken);
    }
}
