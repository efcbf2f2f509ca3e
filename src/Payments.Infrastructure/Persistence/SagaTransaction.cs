using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Payments.Infrastructure.Persistence;

/// <summary>Rows a saga step stores together with the saga row, in the same transaction.</summary>
public static class SagaTransaction
{
    /// <summary>
    /// Adds <paramref name="row"/> to the transaction that will save the saga of <paramref name="context"/>; it is inserted
    /// when the saga is, and rolled back with it. Only the PostgreSQL saga repository offers such a transaction.
    /// </summary>
    /// <returns>False when the saga is not stored by the PostgreSQL repository (an in-memory test repository).</returns>
    public static bool TryAdd<TRow>(PipeContext context, TRow row)
        where TRow : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(row);
        if (!context.TryGetPayload<DbContext>(out var db))
        {
            return false;
        }

        db.Set<TRow>().Add(row);
        return true;
    }
}
