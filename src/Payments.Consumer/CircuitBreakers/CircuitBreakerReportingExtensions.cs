using MassTransit;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.CircuitBreakers;

internal static class CircuitBreakerReportingExtensions
{
    /// <summary>Breaker reports (transitions and heartbeat), the breaker the fleet shares, and the per-instance control queue.</summary>
    public static IServiceCollection AddCircuitBreakerReporting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CircuitBreakerReportingOptions>()
            .Bind(configuration.GetSection(CircuitBreakerReportingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<CircuitBreakerFleetOptions>()
            .Bind(configuration.GetSection(CircuitBreakerFleetOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton(sp => new ConsumerInstance(sp.GetRequiredService<IOptions<CircuitBreakerReportingOptions>>().Value.InstanceId));
        services.AddSingleton<CircuitBreakerFleetTelemetry>();
        services.AddSingleton<CircuitBreakerFleet>();
        services.AddPublishDeadline();
        services.AddSingleton<CircuitBreakerReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<CircuitBreakerReporter>());
        return services;
    }

    /// <summary>
    /// Pauses the receive endpoint on <paramref name="queueName"/> while breaker <paramref name="breakerName"/> is open
    /// (<see cref="BreakerEndpointPause"/>). Needs <see cref="AddCircuitBreakerReporting"/>.
    /// </summary>
    public static IServiceCollection AddEndpointPause(this IServiceCollection services, string queueName, string breakerName)
    {
        services.AddSingleton(sp => new BreakerEndpointPause(
            queueName,
            breakerName,
            sp.GetRequiredService<ICircuitBreakerRegistry>(),
            sp.GetRequiredService<CircuitBreakerFleet>(),
            sp.GetRequiredService<IOptions<CircuitBreakerFleetOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<CircuitBreakerFleetTelemetry>(),
            sp.GetRequiredService<ILogger<BreakerEndpointPause>>()));
        services.AddHostedService(sp => sp.GetRequiredService<BreakerEndpointPause>());
        services.AddReceiveEndpointObserver(sp => sp.GetRequiredService<BreakerEndpointPause>());
        return services;
    }

    public static IBusRegistrationConfigurator AddCircuitBreakerControl(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ControlCircuitBreakerConsumer, ControlCircuitBreakerConsumerDefinition>();
        bus.AddConsumer<PeerBreakerReportConsumer, PeerBreakerReportConsumerDefinition>();
        return bus;
    }
}
