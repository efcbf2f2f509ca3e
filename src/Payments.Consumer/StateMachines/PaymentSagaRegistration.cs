using MassTransit;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.StateMachines;

public static class PaymentSagaRegistration
{
    /// <summary>
    /// Registers the payment state machine, its endpoint definition and its options (section "PaymentSaga").
    /// The caller chooses the repository on the returned configurator.
    /// </summary>
    public static ISagaRegistrationConfigurator<PaymentState> AddPaymentSaga(this IBusRegistrationConfigurator configurator)
    {
        configurator.AddOptions<PaymentSagaOptions>()
            .BindConfiguration(PaymentSagaOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        return configurator.AddSagaStateMachine<PaymentStateMachine, PaymentState, PaymentStateDefinition>();
    }
}
