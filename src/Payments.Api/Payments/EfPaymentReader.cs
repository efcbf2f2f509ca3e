using Payments.Api.Validation;
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

    public async Task<PaymentState?> FindOfAnyClientAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Payments.AsNoTracking().FirstOrDefaultAsync(p => p.CorrelationId == paymentId, cancellationToken);
    }

    public async Task<IReadOnlyList<PaymentState>> ListByStatusAsync(
        string status, ListPosition? after, int count, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = db.Payments.AsNoTracking().Where(p => p.CurrentState == status);
        if (after is { } position)
        {
            // A row comparison, (created_at, correlation_id) > (@at, @id): PostgreSQL walks ix_payments_current_state from
            // the position on, so a page costs the same however deep it is. uuid compares byte by byte, as Guid.CompareTo does.
            rows = rows.Where(p => EF.Functions.GreaterThan(
                ValueTuple.Create(p.CreatedAt, p.CorrelationId),
                ValueTuple.Create(position.CreatedAt, position.Id)));
        }

        return await rows
            .OrderBy(p => p.CreatedAt)
            .ThenBy(p => p.CorrelationId)
            .Take(count)
            .ToListAsync(cancellationToken);
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

    public async Task<IReadOnlyDictionary<Guid, WebhookEvent>> FindLatestWebhookEventsAsync(
        IReadOnlyCollection<Guid> paymentIds, CancellationToken cancellationToken)
    {
        if (paymentIds.Count == 0)
        {
            return new Dictionary<Guid, WebhookEvent>();
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // One query for a whole page (ROW_NUMBER over each intent's events), not one per intent.
        var latest = await db.WebhookEvents.AsNoTracking()
            .Where(e => paymentIds.Contains(e.PaymentId))
            .GroupBy(e => e.PaymentId)
            .Select(events => events.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id).First())
            .ToListAsync(cancellationToken);
        return latest.ToDictionary(e => e.PaymentId);
    }
}
