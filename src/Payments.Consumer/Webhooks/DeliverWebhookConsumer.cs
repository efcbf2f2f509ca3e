using MassTransit;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Consumer.Verification;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// Makes one delivery attempt of a stored event. The client's endpoint has a breaker of its own (<c>Webhooks.{client}</c>):
/// while it is open the event waits (deferred through the broker-native delays, no attempt spent) and other clients'
/// events are not held up. A failed attempt schedules the next one, 10 s doubling to 1 h by default, until the retry
/// budget is spent; the event is then kept as undelivered.
/// </summary>
public sealed class DeliverWebhookConsumer(
    WebhookStore store,
    WebhookAttempts attempts,
    IOptions<WebhookOptions> webhooks,
    IOptions<WebhookDeliveryOptions> options,
    ICircuitBreakerRegistry breakers,
    WebhookEndpointSlots slots,
    DeferralJitter jitter,
    WebhookTelemetry telemetry,
    TimeProvider time,
    PublishDeadline deadline,
    ILogger<DeliverWebhookConsumer> logger) : IConsumer<DeliverWebhook>
{
    /// <summary>
    /// How long a delivery waits here for one of its endpoint's slots. A fast endpoint frees one within milliseconds, so a
    /// burst for one client is delivered as it comes instead of going round the broker; a slow one holds the waiting
    /// deliveries (and other clients' events behind them) at most this long.
    /// </summary>
    internal static readonly TimeSpan SlotWait = TimeSpan.FromMilliseconds(250);

    /// <summary>How long an event waits when its endpoint kept every delivery slot busy for <see cref="SlotWait"/>.</summary>
    internal static readonly TimeSpan BusyDelay = TimeSpan.FromSeconds(1);

    private readonly WebhookDeliveryOptions _options = options.Value;

    public static string BreakerName(string client) => $"{CircuitBreakerPresets.Webhooks}.{client}";

    public async Task Consume(ConsumeContext<DeliverWebhook> context)
    {
        var command = context.Message;
        var cancellationToken = context.CancellationToken;

        // A command that names its client is decided on before the row is read; the attempt reads it (TryBeginAttempt).
        WebhookEvent? stored = null;
        var client = command.ClientId;
        if (client is null)
        {
            stored = await FindPendingAsync(command, cancellationToken);
            if (stored is null)
            {
                return;
            }

            client = stored.ClientId;
        }

        var endpoint = webhooks.Value.For(client);
        if (endpoint is null)
        {
            // Configuration changed since the event was stored; an operator can re-send it once the endpoint is back.
            stored ??= await FindPendingAsync(command, cancellationToken);
            if (stored is null)
            {
                return;
            }

            const string error = "no webhook endpoint is configured for the client";
            await store.MarkUndeliveredAsync(stored.Id, command.Dispatch, null, error, attemptedAt: null, cancellationToken);
            telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeUndelivered);
            Log.WebhookUndelivered(logger, stored.Id, stored.Type, client, stored.Attempts, error);
            return;
        }

        if (!await slots.EnterAsync(client, _options.ConcurrencyPerEndpoint, SlotWait, cancellationToken))
        {
            await DeferAsync(context, client, BusyDelay, "every delivery slot of the endpoint is busy");
            return;
        }

        try
        {
            var breaker = breakers.Get(BreakerName(client));
            if (!breaker.TryAcquire(out var permit, out var retryAfter))
            {
                var delay = jitter.Apply(retryAfter, _options.DeferralJitterRatio);
                await DeferAsync(context, client, delay < BusyDelay ? BusyDelay : delay, "circuit open");
                return;
            }

            await AttemptAsync(context, client, endpoint, permit);
        }
        finally
        {
            slots.Exit(client);
        }
    }

    /// <summary>The command's event while it is pending at the command's dispatch; null (counted and logged) otherwise.</summary>
    private async Task<WebhookEvent?> FindPendingAsync(DeliverWebhook command, CancellationToken cancellationToken)
    {
        var webhookEvent = await store.FindAsync(command.EventId, cancellationToken);
        if (webhookEvent is null || webhookEvent.Status != WebhookDeliveryStatuses.Pending || webhookEvent.Dispatch != command.Dispatch)
        {
            RecordStale(webhookEvent?.ClientId ?? command.ClientId ?? "unknown", command);
            return null;
        }

        return webhookEvent;
    }

    private void RecordStale(string client, DeliverWebhook command) => attempts.RecordStale(client, command.EventId, command.Dispatch);

    private Task AttemptAsync(
        ConsumeContext<DeliverWebhook> context, string client, WebhookEndpointOptions endpoint, CircuitPermit permit) =>
        attempts.AttemptAsync(
            context.Message.EventId,
            context.Message.Dispatch,
            client,
            endpoint,
            permit,
            // Not the message's token (the retry is stored and must be sent even while stopping), so bounded by the deadline.
            (delay, next) => deadline.RunAsync(
                token => context.ScheduleSend(context.ReceiveContext.InputAddress, delay, next, token), CancellationToken.None),
            context.CancellationToken);

    private async Task DeferAsync(ConsumeContext<DeliverWebhook> context, string client, TimeSpan delay, string reason)
    {
        var command = context.Message;
        if (!await store.TryDeferAsync(command.EventId, command.Dispatch, time.GetUtcNow() + delay, context.CancellationToken))
        {
            RecordStale(client, command);
            return;
        }

        await context.ScheduleSend(context.ReceiveContext.InputAddress, delay, new DeliverWebhook(command.EventId, command.Dispatch + 1, client), context.CancellationToken);
        telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeDeferred);
        Log.WebhookDeferred(logger, command.EventId, client, delay, reason);
    }
}
