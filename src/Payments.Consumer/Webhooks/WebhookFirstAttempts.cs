using System.Threading.Channels;
using MassTransit;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// The first attempt of a new event, made in this process once the saga's transaction that stored it has committed, so
/// that a payment's webhook costs no command through the broker. It takes the same endpoint slot and breaker as the
/// delivery consumer; when either is not to be had, when this process has too many first attempts waiting, or when the
/// attempt cannot even start (the database), the event goes to the delivery queue as a command, which waits, defers or
/// retries as ever. A failed attempt schedules its retry through the broker-native delays like the consumer's. Nothing
/// here is the only record: the event row is pending from the commit on, so one whose attempt a crash or a stop cut off
/// is sent again by the sweeper once it is overdue (<see cref="WebhookDeliveryOptions.OverdueAfter"/>).
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

    private readonly Channel<DeliverWebhook> _waiting = Channel.CreateBounded<DeliverWebhook>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait });

    /// <summary>
    /// Hands over a committed event's first command (dispatch 0, with its client). Never throws: what cannot wait here is
    /// sent to the delivery queue in the background.
    /// </summary>
    public void Enqueue(DeliverWebhook command)
    {
        if (command.ClientId is null || !_waiting.Writer.TryWrite(command))
        {
            _ = HandOverAsync(command);
        }
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
            await foreach (var command in _waiting.Reader.ReadAllAsync(stoppingToken))
            {
                await AttemptAsync(command, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One first attempt; internal for tests.</summary>
    internal async Task AttemptAsync(DeliverWebhook command, CancellationToken cancellationToken)
    {
        var client = command.ClientId!;
        var endpoint = webhooks.Value.For(client);
        if (endpoint is null || !await slots.EnterAsync(client, _options.ConcurrencyPerEndpoint, DeliverWebhookConsumer.SlotWait, cancellationToken))
        {
            // No endpoint any more (the consumer marks the event undelivered), or every slot stayed busy (it waits or defers).
            await HandOverAsync(command);
            return;
        }

        try
        {
            if (!breakers.Get(DeliverWebhookConsumer.BreakerName(client)).TryAcquire(out var permit, out _))
            {
                await HandOverAsync(command);
                return;
            }

            await attempts.AttemptAsync(command.EventId, command.Dispatch, client, endpoint, permit, ScheduleRetryAsync, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Before the attempt was taken (the database), the command is still the event's current one and the consumer
            // retries it; after, the consumer finds it stale, and the sweep sends the event again once its lease has run out.
            Log.WebhookFirstAttemptFailed(logger, command.EventId, exception);
            await HandOverAsync(command);
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

    private async Task HandOverAsync(DeliverWebhook command)
    {
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
