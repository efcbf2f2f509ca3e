using MassTransit;
using Microsoft.Extensions.Options;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// Endpoint <c>deliver-webhook</c>: delivery commands and operators' re-sends. Retries here cover the database and the
/// broker only (a failed POST is not an exception, it schedules its own retry); once they are spent the command goes to
/// <c>deliver-webhook_error</c>, and the sweeper sends the still-pending event a new one.
/// </summary>
public sealed class DeliverWebhookConsumerDefinition : ConsumerDefinition<DeliverWebhookConsumer>
{
    public DeliverWebhookConsumerDefinition(IOptions<WebhookDeliveryOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConcurrentMessageLimit = options.Value.ConcurrencyLimit;
        Endpoint(endpoint =>
        {
            endpoint.Name = WebhookDeliveryOptions.QueueName;
            endpoint.ConcurrentMessageLimit = options.Value.ConcurrencyLimit;
        });
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverWebhookConsumer> consumerConfigurator,
        IRegistrationContext context) =>
        consumerConfigurator.UseMessageRetry(r => r.Intervals(RetryIntervals));

    /// <summary>In-process retries for the database and the broker, in milliseconds.</summary>
    internal static readonly int[] RetryIntervals = [200, 1000, 5000];
}
