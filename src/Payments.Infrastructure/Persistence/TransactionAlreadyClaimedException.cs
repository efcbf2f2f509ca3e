using Microsoft.EntityFrameworkCore;

namespace Payments.Infrastructure.Persistence;

/// <summary>
/// A saga tried to store a transaction id that another saga already holds (unique index <c>ix_payments_transaction_id</c>).
/// Nothing was saved. Retry the message: on the retry the state machine can find the owner by querying the transaction id.
/// Derives from <see cref="DbUpdateException"/> so a retry policy handling database update failures covers it too.
/// </summary>
public sealed class TransactionAlreadyClaimedException : DbUpdateException
{
    public TransactionAlreadyClaimedException(Guid correlationId, string? transactionId, DbUpdateException inner)
        : base($"Transaction {transactionId ?? "(unknown)"} is already used by another payment; saga {correlationId:N} was not saved.",
            inner.InnerException ?? inner, inner.Entries)
    {
        CorrelationId = correlationId;
        TransactionId = transactionId;
    }

    public Guid CorrelationId { get; }

    public string? TransactionId { get; }
}
