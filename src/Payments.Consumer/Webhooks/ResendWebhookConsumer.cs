using MassTransit;
using Microsoft.Extensions.Options;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.Webhooks;

/// <summary>An operator's re-send: the event becomes pending again with a fresh retry budget, and its next attempt is now.</summary>
public sealed class ResendWebhookConsumer(
    WebhookStore store,
    IOptions<WebhookDeliveryOptions> options,
    WebhookTelemetry telemetry,
    TimeProvider time,
    PublishDeadline deadline,
    ILogger<ResendWebhookConsumer> logger) : IConsumer<ResendWebhook>
{
    public async Task Consume(ConsumeContext<ResendWebhook> context)
    {
        var eventId = context.Message.EventId;
        var now = time.GetUtcNow();
        var dispatch = await store.ResetForResendAsync(eventId, now, now + options.Value.RetryFor, context.CancellationToken);
        if (dispatch is null)
        {
            Log.WebhookResendUnknown(logger, eventId);
            return;
        }

        var endpoint = await context.GetSendEndpoint(WebhookDeliveryOptions.Address);
        await deadline.RunAsync(token => endpoint.Send(new DeliverWebhook(eventId, dispatch.Value), token), context.CancellationToken);
        telemetry.RecordResent("operator");
        Log.WebhookResent(logger, eventId);
    }
}
