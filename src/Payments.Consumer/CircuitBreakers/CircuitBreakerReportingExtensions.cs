using MassTransit;
using Microsoft.Extensions.Options;

namespace Payments.Consumer.CircuitBreakers;

internal static class CircuitBreakerReportingExtensions
{
    /// <summary>Breaker reports (transitions and heartbeat) and the per-instance operator control queue.</summary>
    public static IHostApplicationBuilder AddCircuitBreakerReporting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CircuitBreakerReportingOptions>()
            .BindConfiguration(CircuitBreakerReportingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new ConsumerInstance(sp.GetRequiredService<IOptions<CircuitBreakerReportingOptions>>().Value.InstanceId));
        builder.Services.AddSingleton<CircuitBreakerReporter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CircuitBreakerReporter>());
        return builder;
    }

    public static IBusRegistrationConfigurator AddCircuitBreakerControl(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ControlCircuitBreakerConsumer, ControlCircuitBreakerConsumerDefinition>();
        return bus;
    }
}
