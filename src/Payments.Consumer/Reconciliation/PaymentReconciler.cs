using System.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Consumer.Verification;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Reconciliation;

/// <summary>
/// Finds intents stuck without anybody working on them and hands each back to its saga: <c>Verifying</c> with the
/// chain's next report overdue by <see cref="VerificationOptions.StaleAfter"/> (a lost command, a crash between the saga's
/// commit and its send), and <c>AwaitingTransaction</c> past its deadline (this is how an intent expires: no message is scheduled for it). The saga decides again under
/// its own lock, so a message for an intent that moved on meanwhile changes nothing.
/// </summary>
/// <remarks>
/// Overdue verifications are left alone while this instance's portal breaker is not closed: their commands are most
/// likely waiting for it, and re-sending them would only add a second chain to each.
/// </remarks>
internal sealed class PaymentReconciler(
    IDbContextFactory<PaymentsDbContext> contexts,
    IBus bus,
    ICircuitBreakerRegistry breakers,
    IOptions<VerificationOptions> options,
    ReconcilerTelemetry telemetry,
    TimeProvider time,
    PublishDeadline deadline,
    ILogger<PaymentReconciler> logger) : BackgroundService
{
    private readonly VerificationOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.ReconcileInterval, time, stoppingToken);
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The next pass tries again: a database or broker outage must not end the reconciler.
                Log.ReconcileFailed(logger, exception);
            }
        }
    }

    /// <summary>One pass; answers how many intents were handed back (expired, overdue).</summary>
    internal async Task<(int Expired, int Overdue)> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var includeOverdue = breakers.Get(CircuitBreakerPresets.DeveloperPortal).State == CircuitState.Closed;

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        var expired = await StuckPayments.LockExpiredAsync(db, now, _options.ReconcileBatchSize, cancellationToken);
        var overdue = includeOverdue
            ? await StuckPayments.LockOverdueAsync(db, now - _options.StaleAfter, _options.ReconcileBatchSize, cancellationToken)
            : [];

        if (expired.Count + overdue.Count > 0)
        {
            // Published while the rows are locked, so that a reconciler on another instance skips them until this one is done.
            await deadline.RunAsync(
                token => bus.PublishBatch(expired.Concat(overdue).Select(id => new ReconcilePayment(id)), token), cancellationToken);
            telemetry.Record(expired.Count, overdue.Count);
            Log.Reconciled(logger, expired.Count, overdue.Count);
        }

        await transaction.CommitAsync(cancellationToken);
        return (expired.Count, overdue.Count);
    }
}
