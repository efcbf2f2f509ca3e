using MassTransit;
using Payments.Contracts;
using Payments.Infrastructure.Hosting;

namespace Payments.Api.CircuitBreakers;

internal sealed class CircuitBreakerStatusReportedConsumer(CircuitBreakerStatusStore store) : IConsumer<CircuitBreakerStatusReported>
{
    public Task Consume(ConsumeContext<CircuitBreakerStatusReported> context)
    {
        store.Update(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Every API instance keeps its own copy of the reports, so each needs its own queue (deleted with the instance); a shared
/// queue would hand each report to one API instance only.
/// </summary>
internal sealed class CircuitBreakerStatusReportedConsumerDefinition : ConsumerDefinition<CircuitBreakerStatusReportedConsumer>
{
    public const string QueuePrefix = "circuit-breaker-status-";

    public CircuitBreakerStatusReportedConsumerDefinition()
    {
        EndpointName = QueuePrefix + ServiceDefaults.InstanceId;
        Endpoint(e => e.Temporary = true);
    }
}
