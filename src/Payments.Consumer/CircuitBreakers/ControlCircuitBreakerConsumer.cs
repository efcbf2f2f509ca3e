using MassTransit;
using Payments.CircuitBreaker;
using Payments.Contracts;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// Applies an operator's reset or isolate to this instance's breaker. Every instance has its own control queue, so a published
/// command reaches all of them.
/// </summary>
internal sealed class ControlCircuitBreakerConsumer(
    ICircuitBreakerRegistry registry,
    CircuitBreakerReporter reporter,
    ILogger<ControlCircuitBreakerConsumer> logger) : IConsumer<ControlCircuitBreaker>
{
    public Task Consume(ConsumeContext<ControlCircuitBreaker> context)
    {
        var command = context.Message;
        // Only breakers this instance already has: an operator's typo must not create a new breaker.
        var breaker = registry.All.FirstOrDefault(b => string.Equals(b.Name, command.Name, StringComparison.Ordinal));
        if (breaker is null)
        {
            Log.BreakerControlUnknown(logger, command.Name, command.Action);
            return Task.CompletedTask;
        }

        switch (command.Action)
        {
            case CircuitBreakerAction.Reset:
                breaker.Reset();
                break;
            case CircuitBreakerAction.Isolate:
                breaker.Isolate();
                break;
            default:
                Log.BreakerControlUnknown(logger, command.Name, command.Action);
                return Task.CompletedTask;
        }

        Log.BreakerControlled(logger, command.Name, command.Action);
        reporter.RequestReport();
        return Task.CompletedTask;
    }
}
