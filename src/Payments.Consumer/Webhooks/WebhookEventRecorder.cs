using MassTransit;
using MassTransit.Middleware.InMemoryOutbox;
using Microsoft.Extensions.Options;
using Payments.Contracts;
using Payments.Infrastructure.Documents;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// The saga's side of webhooks. A step that stores a final status or a review calls <see cref="RecordAsync"/>: the event is
/// added to the transaction that saves the saga row, and its first delivery command is sent through the endpoint's outbox,
/// which releases it only after that transaction committed. A crash before the commit loses both the status and the
/// event (the message is redelivered and the step runs again); a crash after it leaves a pending event whose command may be
/// lost, which the sweeper sends again. Clients without an endpoint get no event. In a process that delivers webhooks
/// (<see cref="WebhookFirstAttempts"/>), the event is stored leased to a first attempt made there after the commit, with no
/// command through the broker and no statement to take the attempt.
/// </summary>
public sealed class WebhookEventRecorder(
    IOptions<WebhookOptions> webhooks,
    IOptions<WebhookDeliveryOptions> delivery,
    IWebhookOutbox outbox,
    TimeProvider time,
    WebhookFirstAttempts? firstAttempts = null)
{
    public async Task RecordAsync(BehaviorContext<PaymentState> context, string type)
    {
        var saga = context.Saga;
        if (webhooks.Value.For(saga.ClientId) is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var body = new WebhookEventBody(id, type, saga.UpdatedAt, saga.Reference, PaymentStatusDocument.From(saga, latestEvent: null));
        var webhookEvent = new WebhookEvent
        {
            Id = id,
            PaymentId = saga.CorrelationId,
            ClientId = saga.ClientId,
            Type = type,
            Body = body.ToJson(),
            CreatedAt = now,
            Status = WebhookDeliveryStatuses.Pending,
            NextAttemptAt = now,
            RetryUntil = now + delivery.Value.RetryFor,
        };
        if (firstAttempts is not null && context.TryGetPayload<OutboxContext>(out var afterCommit))
        {
            firstAttempts.Lease(webhookEvent);
            outbox.Add(context, webhookEvent);

            // Run by the endpoint's outbox once the saga's transaction has committed, as its sends are.
            await afterCommit.Add(() =>
            {
                firstAttempts.Enqueue(webhookEvent);
                return Task.CompletedTask;
            });
            return;
        }

        outbox.Add(context, webhookEvent);
        var command = new DeliverWebhook(id, webhookEvent.Dispatch, webhookEvent.ClientId);

        // The message's token, which a stopping endpoint cancels (RabbitMq:ConsumerStopTimeout): the outbox sends this after
        // the commit, and its confirmation can be lost with the connection.
        var endpoint = await context.GetSendEndpoint(WebhookDeliveryOptions.Address);
        await endpoint.Send(command, context.CancellationToken);
    }
}

/// <summary>Stores a webhook event with the saga row that caused it.</summary>
public interface IWebhookOutbox
{
    void Add(PipeContext context, WebhookEvent webhookEvent);
}

/// <summary>The saga's own PostgreSQL transaction (<see cref="SagaTransaction"/>).</summary>
internal sealed class SagaTransactionWebhookOutbox : IWebhookOutbox
{
    public void Add(PipeContext context, WebhookEvent webhookEvent)
    {
        if (!SagaTransaction.TryAdd(context, webhookEvent))
        {
            throw new InvalidOperationException(
                "Webhook events are stored in the saga's PostgreSQL transaction; this saga runs on another repository.");
        }
    }
}
