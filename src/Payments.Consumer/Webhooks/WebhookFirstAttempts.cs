using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// The first attempt of a new event, made in this process once the saga's transaction that stored it has committed, so
/// that a payment's webhook costs no command through the broker. The saga stores the event already leased to this attempt
/// (dispatch 1, held for <see cref="WebhookDeliveryOptions.Timeout"/> plus <see cref="WebhookDeliveryOptions.OverdueAfter"/>),
/// so the attempt needs no statement to take it. It takes the same endpoint slot and breaker as the delivery consumer; when
/// either is not to be had, when this process has too many first attempts waiting, or when one waited here for half of
/// <c>OverdueAfter</c> (its lease must outlast the POST), the event goes to the delivery queue as a command of its dispatch,
/// which takes the attempt itself and waits, defers or retries as ever. A failed attempt schedules its retry through the
/// broker-native delays like the consumer's. Nothing here is the only record: the event row is pending from the commit on,
/// so one whose attempt a crash, a stop or a failure to store its outcome cut off is sent again by the sweeper once its
/// lease is overdue.
/// </summary>
public sealed class WebhookFirstAttempts(
    WebhookAttempts attempts,
    IOptions<WebhookOptions> webhooks,
    IOptions<WebhookDeliveryOptions> options,
    ICircuitBreakerRegistry breakers,
    WebhookEndpointSlots slots,
    IServiceProvider services,
    IServiceScopeFactory scopes,
    PublishDeadline deadline,
    TimeProvider time,
    ILogger<WebhookFirstAttempts> logger) : BackgroundService
{
    /// <summary>First attempts waiting for a worker; past it, events go to the delivery queue.</summary>
    internal const int Capacity = 1024;

    private readonly WebhookDeliveryOptions _options = options.Value;

    private readonly Channel<WebhookEvent> _waiting = Channel.CreateBounded<WebhookEvent>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });

    /// <summary>
    /// Hands over a committed event stored leased to its first attempt (<see cref="Lease"/>). Never throws: what cannot wait
    /// here is sent to the delivery queue in the background.
    /// </summary>
    public void Enqueue(WebhookEvent leased)
    {
        if (!_waiting.Writer.TryWrite(leased))
        {
            _ = HandOverAsync(leased);
        }
    }

    /// <summary>Makes a new event one that is leased to its first attempt: dispatch 1, no other command due before the lease ends.</summary>
    public void Lease(WebhookEvent webhookEvent)
    {
        webhookEvent.Dispatch = 1;
        webhookEvent.NextAttemptAt = webhookEvent.CreatedAt + _options.Timeout + _options.OverdueAfter;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, _options.ConcurrencyLimit).Select(_ => WorkAsync(stoppingToken)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // What is still waiting stays pending in the database, and the sweep of this or another instance sends it.
        _waiting.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var leased in _waiting.Reader.ReadAllAsync(stoppingToken))
            {
                await AttemptAsync(leased, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One first attempt; internal for tests.</summary>
    internal async Task AttemptAsync(WebhookEvent leased, CancellationToken cancellationToken)
    {
        var client = leased.ClientId;
        var endpoint = webhooks.Value.For(client);
        if (endpoint is null
            || time.GetUtcNow() - leased.CreatedAt > _options.OverdueAfter / 2
            || !await slots.EnterAsync(client, _options.ConcurrencyPerEndpoint, DeliverWebhookConsumer.SlotWait, cancellationToken))
        {
            // No endpoint any more (the consumer marks the event undelivered), too long a wait here for the lease to cover
            // the POST, or every slot stayed busy (the consumer waits or defers).
            await HandOverAsync(leased);
            return;
        }

        var attempted = false;
        try
        {
            if (!breakers.Get(DeliverWebhookConsumer.BreakerName(client)).TryAcquire(out var permit, out _))
            {
                await HandOverAsync(leased);
                return;
            }

            attempted = true;
            await attempts.AttemptLeasedAsync(leased, client, endpoint, permit, ScheduleRetryAsync, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The POST may have been made (an outcome that could not be stored): the lease keeps every other command off the
            // event until the sweep sends it again. Before it, the event's command goes to the delivery queue now.
            Log.WebhookFirstAttemptFailed(logger, leased.Id, exception);
            if (!attempted)
            {
                await HandOverAsync(leased);
            }
        }
        finally
        {
            slots.Exit(client);
        }
    }

    private async Task ScheduleRetryAsync(TimeSpan delay, DeliverWebhook next)
    {
        await using var scope = scopes.CreateAsyncScope();
        var scheduler = scope.ServiceProvider.GetRequiredService<IMessageScheduler>();
        var dueAt = time.GetUtcNow().UtcDateTime + delay;
        await deadline.RunAsync(token => scheduler.ScheduleSend(WebhookDeliveryOptions.Address, dueAt, next, token), CancellationToken.None);
    }

    private async Task HandOverAsync(WebhookEvent leased)
    {
        var command = new DeliverWebhook(leased.Id, leased.Dispatch, leased.ClientId);
        try
        {
            // Resolved here, not in the constructor: the saga's state machine, which the bus builds its endpoints from, needs this.
            var endpoint = await services.GetRequiredService<IBus>().GetSendEndpoint(WebhookDeliveryOptions.Address);
            await deadline.RunAsync(token => endpoint.Send(command, token), CancellationToken.None);
        }
        catch (Exception exception)
        {
            Log.WebhookHandOverFailed(logger, command.EventId, exception);
        }
    }
}
