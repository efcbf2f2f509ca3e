using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Payments.Infrastructure.Persistence.SagaRepository;

internal static class PostgresErrors
{
    public static bool IsUniqueViolation(DbUpdateException exception, out string? constraintName)
    {
        if (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres)
        {
            constraintName = postgres.ConstraintName;
            return true;
        }

        constraintName = null;
        return false;
    }

    /// <summary>
    /// Turns a unique violation of the confirmed transaction id (a second intent confirmed by one transaction) into
    /// <see cref="TransactionAlreadyClaimedException"/>, so the endpoint retry can single it out; on the retry the state
    /// machine sees the other owner. Other failures pass unchanged.
    /// </summary>
    public static Exception Translate<TSaga>(DbUpdateException exception, TSaga saga)
        where TSaga : class, ISaga
    {
        if (IsUniqueViolation(exception, out var constraint) && constraint == PaymentStateConfiguration.ConfirmedTransactionIdIndexName)
        {
            var transactionId = (saga as PaymentState)?.TransactionId;
            return new TransactionAlreadyClaimedException(saga.CorrelationId, transactionId, exception);
        }

        return exception;
    }
}
