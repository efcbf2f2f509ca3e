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
        WebhookEvent claimed;
        try
        {
            // The attempt is taken and the event read in one statement; it is counted already when it comes back. The lease
            // outlasts the POST, so the sweeper does not send the event again while this attempt runs.
            if (await store.TryBeginAttemptAsync(eventId, dispatch, now, now + _options.Timeout + _options.OverdueAfter, cancellationToken)
                is not { } taken)
            {
                permit.Complete(CallOutcome.Ignored);
                RecordStale(client, eventId, dispatch);
                return;
            }

            claimed = taken;
        }
        catch
        {
            permit.Complete(CallOutcome.Ignored);
            throw;
        }

        await SendAsync(claimed, dispatch + 1, client, endpoint, permit, scheduleRetry, attemptedAt: null, cancellationToken);
    }

    /// <summary>
    /// Attempts an event stored already leased to this attempt (<see cref="WebhookEventRecorder"/> inserts it so, dispatch 1,
    /// not yet counted), which saves the statement that takes the attempt; the outcome's statement counts it.
    /// </summary>
    public Task AttemptLeasedAsync(
        WebhookEvent leased,
        string client,
        WebhookEndpointOptions endpoint,
        CircuitPermit permit,
        Func<TimeSpan, DeliverWebhook, Task> scheduleRetry,
        CancellationToken cancellationToken)
    {
        // Counted here for the retry delay and the logs; the outcome's statement counts it in the row.
        leased.Attempts++;
        return SendAsync(leased, leased.Dispatch, client, endpoint, permit, scheduleRetry, time.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// POSTs a taken attempt and stores the outcome. <paramref name="next"/> is the dispatch the attempt moved the event to,
    /// which the next command carries; <paramref name="attemptedAt"/> is set when the outcome must count the attempt too.
    /// </summary>
    private async Task SendAsync(
        WebhookEvent webhookEvent,
        int next,
        string client,
        WebhookEndpointOptions endpoint,
        CircuitPermit permit,
        Func<TimeSpan, DeliverWebhook, Task> scheduleRetry,
        DateTimeOffset? attemptedAt,
        CancellationToken cancellationToken)
    {
        WebhookAttempt attempt;
        var started = time.GetTimestamp();
        try
        {
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

        if (attempt.Delivered)
        {
            await store.MarkDeliveredAsync(webhookEvent.Id, time.GetUtcNow(), attempt.StatusCode!.Value, attemptedAt, CancellationToken.None);
            telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeDelivered);
            Log.WebhookDelivered(logger, webhookEvent.Id, webhookEvent.Type, client, attempts, attempt.StatusCode.Value);
            return;
        }

        var delay = _options.DelayAfter(attempts);
        var dueAt = time.GetUtcNow() + delay;
        if (dueAt > webhookEvent.RetryUntil)
        {
            await store.MarkUndeliveredAsync(webhookEvent.Id, next, attempt.StatusCode, attempt.Error!, attemptedAt, CancellationToken.None);
            telemetry.RecordDelivery(client, WebhookTelemetry.OutcomeUndelivered);
            Log.WebhookUndelivered(logger, webhookEvent.Id, webhookEvent.Type, client, attempts, attempt.Error!);
            return;
        }

        if (await store.TryScheduleRetryAsync(webhookEvent.Id, next, dueAt, attempt, attemptedAt, CancellationToken.None))
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
