using MassTransit;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// One control queue per consumer instance (<c>circuit-breaker-control-{instance}</c>), deleted when the instance goes away:
/// a published operator action must reach every instance, not one of them.
/// </summary>
internal sealed class ControlCircuitBreakerConsumerDefinition : ConsumerDefinition<ControlCircuitBreakerConsumer>
{
    public const string QueuePrefix = "circuit-breaker-control-";

    public ControlCircuitBreakerConsumerDefinition(ConsumerInstance instance)
    {
        EndpointName = QueuePrefix + instance.Id;
        Endpoint(e => e.Temporary = true);
    }
}
