using Microsoft.EntityFrameworkCore;
using Payments.Contracts;

namespace Payments.Infrastructure.Persistence;

/// <summary>
/// The reconciler's queries: intents that nobody is working on. Each runs inside the caller's transaction and locks what it
/// returns with <c>FOR UPDATE SKIP LOCKED</c>, so reconcilers on several consumer instances take disjoint sets, and a row a
/// saga step holds right now is left for the next pass. Each query matches one partial index.
/// </summary>
public static class StuckPayments
{
    /// <summary><c>AwaitingTransaction</c> intents whose deadline has passed: the reconciler hands each to its saga to expire.</summary>
    public static Task<List<Guid>> LockExpiredAsync(PaymentsDbContext db, DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.SqlQuery<Guid>($"""
            SELECT correlation_id AS "Value" FROM payments
            WHERE current_state = {PaymentStatuses.AwaitingTransaction} AND expires_at <= {now}
            ORDER BY expires_at
            LIMIT {limit}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
    }

    /// <summary><c>Verifying</c> intents whose chain was due to report before <paramref name="dueBefore"/>.</summary>
    public static Task<List<Guid>> LockOverdueAsync(PaymentsDbContext db, DateTimeOffset dueBefore, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.SqlQuery<Guid>($"""
            SELECT correlation_id AS "Value" FROM payments
            WHERE current_state = {PaymentStatuses.Verifying} AND verification_due_at < {dueBefore}
            ORDER BY verification_due_at
            LIMIT {limit}
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
    }
}
