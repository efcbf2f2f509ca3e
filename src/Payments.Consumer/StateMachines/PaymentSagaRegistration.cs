using MassTransit;
using Payments.Consumer.Verification;
using Payments.Consumer.Webhooks;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;
using Payments.Infrastructure.Persistence.SagaRepository;

namespace Payments.Consumer.StateMachines;

public static class PaymentSagaRegistration
{
    /// <summary>
    /// Registers the payment state machine, its endpoint definition and its options (sections "PaymentSaga" and "Verification").
    /// The caller chooses the repository on the returned configurator.
    /// </summary>
    public static ISagaRegistrationConfigurator<PaymentState> AddPaymentSaga(this IBusRegistrationConfigurator configurator)
    {
        configurator.AddOptions<PaymentSagaOptions>()
            .BindConfiguration(PaymentSagaOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The saga judges whether a verification chain is overdue by the verification's own intervals.
        configurator.AddVerificationOptions();
        configurator.AddWebhookEvents();

        // Only an initiation creates an intent: its step takes the id lock before it reads (one statement less per intent).
        configurator.Configure<PostgresSagaRepositoryOptions<PaymentState>>(options => options.Creates<InitiatePayment>());

        return configurator.AddSagaStateMachine<PaymentStateMachine, PaymentState, PaymentStateDefinition>();
    }
}
