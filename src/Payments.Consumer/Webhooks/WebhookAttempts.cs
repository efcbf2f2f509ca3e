using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// One delivery attempt of a stored event, once its endpoint's slot and breaker permit are held: the attempt is taken, the
/// event POSTed, and the outcome stored (delivered, the next attempt scheduled, or undelivered once the retry budget is spent).
/// Shared by the delivery consumer and the first attempt made right after the saga's commit.
/// </summary>
public sealed class WebhookAttempts(
    WebhookStore store,
    WebhookSender sender,
    IOptions<WebhookDeliveryOptions> options,
    WebhookTelemetry telemetry,
    TimeProvider time,
    ILogger<WebhookAttempts> logger)
{
    private readonly WebhookDeliveryOptions _options = options.Value;

    /// <summary>
    /// Attempts event <paramref name="eventId"/> at <paramref name="dispatch"/>; <paramref name="scheduleRetry"/> sends the
    /// next attempt's command with its delay (called only once that retry is stored). A command that is no longer the
    /// event's current one gives the permit back and does nothing.
    /// </summary>
    public async Task AttemptAsync(
        Guid eventId,
        int dispatch,
        string client,
        WebhookEndpointOptions endpoint,
        CircuitPermit permit,
        Func<TimeSpan, DeliverWebhook, Task> scheduleRetry,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        WebhookEvent webhookEvent;
        WebhookAttempt attempt;
        var started = time.GetTimestamp();
        try
        {
            // The attempt is taken and the event read in one statement; it is counted already when it comes back. The lease
            // outlasts the POST, so the sweeper does not send the event again while this attempt runs.
            if (await store.TryBeginAttemptAsync(eventId, dispatch, now, now + _options.Timeout + _options.OverdueAfter, cancellationToken)
                is not { } claimed)
            {
                permit.Complete(CallOutcome.Ignored);
                RecordStale(client, eventId, dispatch);
                return;
            }

            webhookEvent = claimed;
            attempt = await sender.SendAsync(new Uri(endpoint.Url!, UriKind.Absolute), endpoint.SigningSecrets(), webhookEvent, cancellationToken);
        }
        catch
        {
            permit.Complete(CallOutcome.Ignored);
            throw;
        }

        permit.Complete(attempt.Delivered ? CallOutcome.Success : CallOutcome.Failure);
        var attempts = webhookEvent.Attempts;
        var outcome = attempt.Delivered ? WebhookTelemetry.OutcomeDelivered : WebhookTelemetry.OutcomeFailed;
        telemetry.RecordRequest(client, outcome, time.GetElapsedTime(started));

        // The attempt's own dispatch moved the counter on by one: that is the one the next command carries.
        var next = dispatch + 1;
        if (attempt.Delivered)
        {
            await store.MarkDeliveredAsync(webhookEvent.Id, time.GetUtcNow(), attempt.StatusCode!.Value, CancellationToken.None);
            telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeDelivered);
            Log.WebhookDelivered(logger, webhookEvent.Id, webhookEvent.Type, client, attempts, attempt.StatusCode.Value);
            return;
        }

        var delay = _options.DelayAfter(attempts);
        var dueAt = time.GetUtcNow() + delay;
        if (dueAt > webhookEvent.RetryUntil)
        {
            await store.MarkUndeliveredAsync(webhookEvent.Id, next, attempt.StatusCode, attempt.Error!, CancellationToken.None);
            telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeUndelivered);
            Log.WebhookUndelivered(logger, webhookEvent.Id, webhookEvent.Type, client, attempts, attempt.Error!);
            return;
        }

        if (await store.TryScheduleRetryAsync(webhookEvent.Id, next, dueAt, attempt, CancellationToken.None))
        {
            await scheduleRetry(delay, new DeliverWebhook(webhookEvent.Id, next, client));
        }

        telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeFailed);
        Log.WebhookAttemptFailed(logger, webhookEvent.Id, webhookEvent.Type, client, attempts, attempt.Error!, delay);
    }

    /// <summary>A command that is not the event's current one (already delivered, re-sent, or a duplicate): counted and logged.</summary>
    public void RecordStale(string client, Guid eventId, int dispatch)
    {
        telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeStale);
        Log.WebhookCommandStale(logger, eventId, dispatch);
    }
}
