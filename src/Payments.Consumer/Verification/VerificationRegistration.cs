using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Payments.Consumer.Verification;

public static class VerificationRegistration
{
    /// <summary>
    /// Options (section <c>Verification</c>), telemetry and jitter of the verification consumer. The portal client
    /// (<see cref="Portal.IDeveloperPortalClient"/>) is registered by the portal feature.
    /// </summary>
    public static IServiceCollection AddPaymentVerification(this IServiceCollection services)
    {
        services.AddOptions<VerificationOptions>()
            .BindConfiguration(VerificationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(DeferralJitter.Shared);
        services.TryAddSingleton<VerificationTelemetry>();
        return services;
    }

    /// <summary>The consumer on its <c>verify-payment</c> endpoint, configured by <see cref="VerifyPaymentConsumerDefinition"/>.</summary>
    public static IBusRegistrationConfigurator AddPaymentVerificationConsumer(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<VerifyPaymentConsumer, VerifyPaymentConsumerDefinition>();
        return bus;
    }
}
