using Microsoft.EntityFrameworkCore;
using Payments.Api.Validation;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Webhooks;

/// <summary>Reads webhook events for the operators' routes; a seam so endpoint tests need no database.</summary>
internal interface IWebhookEventReader
{
    Task<WebhookEvent?> FindAsync(Guid eventId, CancellationToken cancellationToken);

    /// <summary>Events in <paramref name="status"/>, oldest first, after the (created, id) position of <paramref name="after"/>.</summary>
    Task<IReadOnlyList<WebhookEvent>> ListAsync(string status, ListPosition? after, int limit, CancellationToken cancellationToken);
}

internal sealed class EfWebhookEventReader(IDbContextFactory<PaymentsDbContext> contexts) : IWebhookEventReader
{
    public async Task<WebhookEvent?> FindAsync(Guid eventId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.WebhookEvents.AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookEvent>> ListAsync(
        string status, ListPosition? after, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.WebhookEvents.AsNoTracking().Where(e => e.Status == status);
        if (after is { } position)
        {
            query = query.Where(e => e.CreatedAt > position.CreatedAt || (e.CreatedAt == position.CreatedAt && e.Id.CompareTo(position.Id) > 0));
        }

        return await query.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);
    }
}
