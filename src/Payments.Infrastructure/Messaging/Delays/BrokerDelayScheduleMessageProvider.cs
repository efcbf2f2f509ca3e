using MassTransit;
using MassTransit.Scheduling;
using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// MassTransit's scheduler contract over the broker-native delay levels. Wrapped in MassTransit's
/// <see cref="MessageScheduler"/>, it serves scheduled redelivery, saga schedules and <c>ScheduleSend</c>.
/// </summary>
internal sealed class BrokerDelayScheduleMessageProvider : IScheduleMessageProvider
{
    private readonly ISendEndpointProvider _sendEndpointProvider;
    private readonly BrokerDelayTopology _topology;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public BrokerDelayScheduleMessageProvider(ISendEndpointProvider sendEndpointProvider, BrokerDelayTopology topology, TimeProvider time,
        ILogger logger)
    {
        _sendEndpointProvider = sendEndpointProvider;
        _topology = topology;
        _time = time;
        _logger = logger;
    }

    public async Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(destinationAddress);
        ArgumentNullException.ThrowIfNull(message);

        var destination = DelayDestination.FromAddress(_topology.HostAddress, destinationAddress);
        var tokenId = ScheduleTokenIdCache<T>.GetTokenId(message);
        var dueAt = ToUniversal(scheduledTime);
        if (dueAt > _time.GetUtcNow().UtcDateTime)
        {
            await _topology.EnsureDestinationAsync(destination, cancellationToken);
        }

        // Measured after the (first-time) declarations, so that their round trips do not add to the delay.
        var now = _time.GetUtcNow();
        var delaySeconds = DelayRouting.ToDelaySeconds(dueAt - now.UtcDateTime);

        if (delaySeconds == 0)
        {
            var endpoint = await _sendEndpointProvider.GetSendEndpoint(destination.ExchangeAddress);
            await endpoint.Send(message, new BrokerDelaySendPipe<T>(pipe, tokenId, destinationAddress, routingKey: null), cancellationToken);
        }
        else
        {
            var firstLevel = DelayRouting.FirstLevel(delaySeconds);
            var routingKey = DelayRouting.RoutingKey(delaySeconds, destination.ExchangeName);
            var endpoint = await _sendEndpointProvider.GetSendEndpoint(LevelAddress(firstLevel));
            var due = now + TimeSpan.FromSeconds(delaySeconds);
            await endpoint.Send(message, new BrokerDelaySendPipe<T>(pipe, tokenId, destinationAddress, routingKey, due), cancellationToken);

            Log.DelayScheduled(_logger, tokenId, delaySeconds, destination.ExchangeName, firstLevel);
        }

        return new ScheduledMessageHandle<T>(tokenId, scheduledTime, destinationAddress, message);
    }

    // A message already in a level queue cannot be taken out without reading the queue. Saga schedules do not need it:
    // the saga keeps the token of its current schedule and ignores a scheduled message that carries any other token.
    public Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken)
    {
        Log.DelayCancelIgnored(_logger, tokenId);
        return Task.CompletedTask;
    }

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) =>
        CancelScheduledSend(tokenId, cancellationToken);

    /// <summary>The level exchange as a MassTransit send address; MassTransit's declaration of it matches ours.</summary>
    internal static Uri LevelAddress(int level) => new($"exchange:{DelayRouting.LevelName(level)}?type=topic");

    private static DateTime ToUniversal(DateTime time) => time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time;
}
