using MassTransit;
using Payments.Contracts;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>Hands every peer instance's breaker report to <see cref="CircuitBreakerFleet"/> (this instance's own reports are skipped there).</summary>
internal sealed class PeerBreakerReportConsumer(CircuitBreakerFleet fleet) : IConsumer<CircuitBreakerStatusReported>
{
    public Task Consume(ConsumeContext<CircuitBreakerStatusReported> context)
    {
        fleet.OnPeerReport(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// On the instance's own temporary queue (<see cref="ControlCircuitBreakerConsumerDefinition"/>): every instance must hear every
/// report, so the reports cannot share a queue between instances.
/// </summary>
internal sealed class PeerBreakerReportConsumerDefinition : ConsumerDefinition<PeerBreakerReportConsumer>
{
    public PeerBreakerReportConsumerDefinition(ConsumerInstance instance)
    {
        EndpointName = ControlCircuitBreakerConsumerDefinition.QueuePrefix + instance.Id;
        Endpoint(e => e.Temporary = true);
    }
}
