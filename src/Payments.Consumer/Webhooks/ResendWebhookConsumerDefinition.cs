using MassTransit;

namespace Payments.Consumer.Webhooks;

/// <summary>Operators' re-sends arrive on the delivery endpoint, <c>deliver-webhook</c>.</summary>
public sealed class ResendWebhookConsumerDefinition : ConsumerDefinition<ResendWebhookConsumer>
{
    public ResendWebhookConsumerDefinition() =>
        Endpoint(endpoint => endpoint.Name = WebhookDeliveryOptions.QueueName);

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ResendWebhookConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.UseMessageRetry(r => r.Intervals(DeliverWebhookConsumerDefinition.RetryIntervals));
}
