using MassTransit;
using MassTransit.Middleware;
using Microsoft.Extensions.Options;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.StateMachines;

public sealed class PaymentStateDefinition : SagaDefinition<PaymentState>
{
    private readonly int _concurrencyLimit;

    public PaymentStateDefinition(IOptions<PaymentSagaOptions> options)
    {
        _concurrencyLimit = options.Value.ConcurrencyLimit;
        ConcurrentMessageLimit = _concurrencyLimit;
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<PaymentState> sagaConfigurator,
        IRegistrationContext context)
    {
        // The state machine never throws for a business outcome, so whatever reaches this filter is the store: a lost race
        // on the first insert, the unique index on confirmed transaction ids, a serialization failure, a dropped connection. A
        // retry re-reads the row, and on the transaction index the machine then sees the other owner and fails the intent.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 100, 200, 500, 1000));

        // Replies, sends and the expiry schedule leave only once the saga row is saved: no VerifyPayment for an unsaved
        // intent, and no 201 from the API before the intent exists.
        endpointConfigurator.UseInMemoryOutbox(context);

        // Events of one payment run one at a time in this process, so they wait here rather than on the row in the
        // database; different payments still run in parallel up to the concurrency limit.
        var partition = new Partitioner(_concurrencyLimit, new Murmur3UnsafeHashGenerator());
        endpointConfigurator.UsePartitioner<InitiatePayment>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentTransactionSubmitted>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentVerified>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentRejected>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentVerificationPending>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentVerificationDeferred>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentVerificationRetrying>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentNeedsReview>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<ReconcilePayment>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<ResolvePayment>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<PaymentExpiryDue>(partition, p => p.Message.PaymentId);
        endpointConfigurator.UsePartitioner<Fault<VerifyPayment>>(partition, p => p.Message.Message.PaymentId);
    }
}
