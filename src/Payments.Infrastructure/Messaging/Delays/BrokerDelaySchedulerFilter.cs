using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Puts the broker-delay scheduler on every consume context as <see cref="MessageSchedulerContext"/>: that payload is
/// what scheduled redelivery, saga <c>Schedule(...)</c> and <c>context.ScheduleSend(...)</c> look for.
/// </summary>
internal sealed class BrokerDelaySchedulerFilter : IFilter<ConsumeContext>
{
    private readonly BrokerDelayTopology _topology;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public BrokerDelaySchedulerFilter(BrokerDelayTopology topology, TimeProvider time, ILogger logger)
    {
        _topology = topology;
        _time = time;
        _logger = logger;
    }

    public Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        context.GetOrAddPayload<MessageSchedulerContext>(() => new ConsumeMessageSchedulerContext(context, CreateScheduler));
        return next.Send(context);
    }

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateFilterScope("scheduler");
        scope.Add("type", "broker-delay");
    }

    // Sends through the consume context, so that conversation and initiator ids flow into the scheduled message.
    private IMessageScheduler CreateScheduler(ConsumeContext context) =>
        new MessageScheduler(new BrokerDelayScheduleMessageProvider(context, _topology, _time, _logger), context.GetPayload<IBusTopology>());
}
