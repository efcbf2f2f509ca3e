using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// The delivery side of <c>webhook_events</c>. Every change is one conditional UPDATE on the event's dispatch counter, so a
/// duplicate or stale command (the broker redelivering, the sweeper re-sending) changes nothing and makes no POST.
/// </summary>
public sealed class WebhookStore(IDbContextFactory<PaymentsDbContext> contexts)
{
    public async Task<WebhookEvent?> FindAsync(Guid eventId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.WebhookEvents.AsNoTracking().FirstOrDefaultAsync(e => e.Id == eventId, cancellationToken);
    }

    /// <summary>
    /// Takes the attempt the command of <paramref name="dispatch"/> stands for: counts it, holds the event until
    /// <paramref name="leaseUntil"/> (the sweeper leaves it alone until then) and answers the event as it is now, in one
    /// statement. Null when another command took it first, or the event is no longer pending.
    /// </summary>
    public async Task<WebhookEvent?> TryBeginAttemptAsync(Guid eventId, int dispatch, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.WebhookEvents.FromSql($"""
            UPDATE webhook_events
               SET dispatch = dispatch + 1, attempts = attempts + 1, last_attempt_at = {now}, next_attempt_at = {leaseUntil}
             WHERE id = {eventId} AND dispatch = {dispatch} AND status = {WebhookDeliveryStatuses.Pending}
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Moves the command on without an attempt (an open breaker, a busy endpoint): the next one is due at <paramref name="dueAt"/>.</summary>
    public async Task<bool> TryDeferAsync(Guid eventId, int dispatch, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await Pending(db, eventId, dispatch).ExecuteUpdateAsync(
            s => s.SetProperty(e => e.Dispatch, e => e.Dispatch + 1)
                .SetProperty(e => e.NextAttemptAt, dueAt),
            cancellationToken);
        return rows == 1;
    }

    /// <summary>
    /// Delivered, whatever command made it: a pending event that reached its endpoint is done. The outcomes below count an
    /// attempt made at <c>attemptedAt</c> when it is given: one of an event stored already leased to it, whose attempt no
    /// statement took (<see cref="WebhookAttempts.AttemptLeasedAsync"/>).
    /// </summary>
    public async Task MarkDeliveredAsync(Guid eventId, DateTimeOffset now, int statusCode, DateTimeOffset? attemptedAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.WebhookEvents.Where(e => e.Id == eventId && e.Status == WebhookDeliveryStatuses.Pending).ExecuteUpdateAsync(
            s =>
            {
                s.SetProperty(e => e.Status, WebhookDeliveryStatuses.Delivered)
                    .SetProperty(e => e.DeliveredAt, now)
                    .SetProperty(e => e.LastStatusCode, statusCode)
                    .SetProperty(e => e.LastError, (string?)null);
                CountAttempt(s, attemptedAt);
            },
            cancellationToken);
    }

    /// <summary>Records a failed attempt and when the next is due; false when a newer command took the event meanwhile.</summary>
    public async Task<bool> TryScheduleRetryAsync(
        Guid eventId, int dispatch, DateTimeOffset dueAt, WebhookAttempt attempt, DateTimeOffset? attemptedAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await Pending(db, eventId, dispatch).ExecuteUpdateAsync(
            s =>
            {
                s.SetProperty(e => e.NextAttemptAt, dueAt)
                    .SetProperty(e => e.LastStatusCode, attempt.StatusCode)
                    .SetProperty(e => e.LastError, Bounded(attempt.Error));
                CountAttempt(s, attemptedAt);
            },
            cancellationToken);
        return rows == 1;
    }

    /// <summary>Gives up: the event is kept as undelivered, for an operator to re-send.</summary>
    public async Task MarkUndeliveredAsync(
        Guid eventId, int dispatch, int? statusCode, string error, DateTimeOffset? attemptedAt, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await Pending(db, eventId, dispatch).ExecuteUpdateAsync(
            s =>
            {
                s.SetProperty(e => e.Status, WebhookDeliveryStatuses.Undelivered)
                    .SetProperty(e => e.LastStatusCode, statusCode)
                    .SetProperty(e => e.LastError, Bounded(error));
                CountAttempt(s, attemptedAt);
            },
            cancellationToken);
    }

    private static void CountAttempt(UpdateSettersBuilder<WebhookEvent> setters, DateTimeOffset? attemptedAt)
    {
        if (attemptedAt is { } at)
        {
            setters.SetProperty(e => e.Attempts, e => e.Attempts + 1).SetProperty(e => e.LastAttemptAt, at);
        }
    }

    /// <summary>
    /// An operator's re-send: pending again, due now, with a fresh retry budget (attempts keep counting). Returns the
    /// dispatch the new command must carry, or null for an unknown event.
    /// </summary>
    public async Task<int?> ResetForResendAsync(Guid eventId, DateTimeOffset now, DateTimeOffset retryUntil, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var dispatches = await db.Database.SqlQuery<int>($"""
            UPDATE webhook_events
               SET status = {WebhookDeliveryStatuses.Pending}, dispatch = dispatch + 1, next_attempt_at = {now},
                   retry_until = {retryUntil}, delivered_at = NULL
             WHERE id = {eventId}
            RETURNING dispatch AS "Value"
            """).ToListAsync(cancellationToken);
        return dispatches.Count == 0 ? null : dispatches[0];
    }

    /// <summary>
    /// Pending events whose command is overdue, at most <paramref name="limit"/>, each moved to a new dispatch and held until
    /// <paramref name="leaseUntil"/>; rows another instance is claiming are skipped. The caller sends one command for each.
    /// </summary>
    public async Task<IReadOnlyList<(Guid EventId, int Dispatch)>> ClaimOverdueAsync(
        DateTimeOffset overdueBefore, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Database.SqlQuery<OverdueRow>($"""
            UPDATE webhook_events
               SET dispatch = dispatch + 1, next_attempt_at = {leaseUntil}
             WHERE id IN (SELECT id FROM webhook_events
                           WHERE status = {WebhookDeliveryStatuses.Pending} AND next_attempt_at < {overdueBefore}
                           ORDER BY next_attempt_at
                           LIMIT {limit}
                           FOR UPDATE SKIP LOCKED)
            RETURNING id AS "Id", dispatch AS "Dispatch"
            """).ToListAsync(cancellationToken);
        return rows.ConvertAll(r => (r.Id, r.Dispatch));
    }

    private static IQueryable<WebhookEvent> Pending(PaymentsDbContext db, Guid eventId, int dispatch) =>
        db.WebhookEvents.Where(e => e.Id == eventId && e.Dispatch == dispatch && e.Status == WebhookDeliveryStatuses.Pending);

    private static string? Bounded(string? error) =>
        error is { Length: > WebhookEvent.LastErrorLength } ? error[..WebhookEvent.LastErrorLength] : error;

    private sealed record OverdueRow(Guid Id, int Dispatch);
}
