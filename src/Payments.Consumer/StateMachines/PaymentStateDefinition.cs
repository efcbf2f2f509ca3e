using MassTransit;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.StateMachines;

public sealed class PaymentStateDefinition : SagaDefinition<PaymentState>
{
    public PaymentStateDefinition(IOptions<PaymentSagaOptions> options)
    {
        ConcurrentMessageLimit = options.Value.ConcurrencyLimit;
    }

    protected override void ConfigureSaga(
        IReceiveEndpointConfigurator endpointConfigurator,
        ISagaConfigurator<PaymentState> sagaConfigurator,
        IRegistrationContext context)
    {
        // The state machine never throws for a business outcome, so whatever reaches this filter is the store: a lost race
        // on the first insert, the unique index on the transaction id, a serialization failure, a dropped connection. A retry
        // re-reads the row, and on the transaction index the machine then sees the other owner and fails the intent.
        endpointConfigurator.UseMessageRetry(r => r.Intervals(50, 100, 200, 500, 1000));

        // Replies, sends and the expiry schedule leave only once the saga row is saved: no VerifyPayment for an unsaved
        // intent, and no 201 from the API before the intent exists.
        endpointConfigurator.UseInMemoryOutbox(context);
    }
}
