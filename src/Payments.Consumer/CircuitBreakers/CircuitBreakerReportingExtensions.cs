using MassTransit;
using Microsoft.Extensions.Options;

namespace Payments.Consumer.CircuitBreakers;

internal static class CircuitBreakerReportingExtensions
{
    /// <summary>Breaker reports (transitions and heartbeat) and the per-instance operator control queue.</summary>
    public static IServiceCollection AddCircuitBreakerReporting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CircuitBreakerReportingOptions>()
            .Bind(configuration.GetSection(CircuitBreakerReportingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton(sp => new ConsumerInstance(sp.GetRequiredService<IOptions<CircuitBreakerReportingOptions>>().Value.InstanceId));
        services.AddSingleton<CircuitBreakerReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<CircuitBreakerReporter>());
        return services;
    }

    public static IBusRegistrationConfigurator AddCircuitBreakerControl(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ControlCircuitBreakerConsumer, ControlCircuitBreakerConsumerDefinition>();
        return bus;
    }
}
