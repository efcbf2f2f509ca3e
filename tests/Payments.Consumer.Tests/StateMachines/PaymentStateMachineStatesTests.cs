using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Payments.Consumer.StateMachines;
using Payments.Consumer.Tests.Webhooks;
using Payments.Consumer.Verification;
using Payments.Consumer.Webhooks;
using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateMachineStatesTests
{
    private readonly PaymentStateMachine _machine =
        new(TimeProvider.System, Options.Create(new PaymentSagaOptions()), Options.Create(new VerificationOptions()),
            new WebhookEventRecorder(
                Options.Create(new WebhookOptions()), Options.Create(new WebhookDeliveryOptions()), new RecordingWebhookOutbox(), TimeProvider.System),
            NullLogger<PaymentStateMachine>.Instance);

    [Theory]
    [InlineData(PaymentStatuses.AwaitingTransaction)]
    [InlineData(PaymentStatuses.Verifying)]
    [InlineData(PaymentStatuses.Confirmed)]
    [InlineData(PaymentStatuses.Failed)]
    [InlineData(PaymentStatuses.Expired)]
    [InlineData(PaymentStatuses.NeedsReview)]
    [InlineData(PaymentStatuses.Refunded)]
    public void Every_status_is_a_state_of_the_same_name(string status)
    {
        _machine.GetState(status).Name.ShouldBe(status);
    }

    [Fact]
    public void The_machine_has_no_other_state_an_intent_can_be_stored_in()
    {
        _machine.States.Select(s => s.Name).Except(["Initial", "Final"]).Order()
            .ShouldBe(new[]
            {
                PaymentStatuses.AwaitingTransaction, PaymentStatuses.Confirmed, PaymentStatuses.Expired, PaymentStatuses.Failed,
                PaymentStatuses.NeedsReview, PaymentStatuses.Refunded, PaymentStatuses.Verifying,
            }.Order());
    }
}
