using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.Verification;

public static class VerificationRegistration
{
    /// <summary>
    /// Options (section <c>Verification</c>), telemetry and jitter of the verification consumer. The portal client
    /// (<see cref="Portal.IDeveloperPortalClient"/>) is registered by the portal feature.
    /// </summary>
    public static IServiceCollection AddPaymentVerification(this IServiceCollection services)
    {
        services.AddVerificationOptions();
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(DeferralJitter.Shared);
        services.TryAddSingleton<VerificationTelemetry>();
        services.AddPublishDeadline();
        return services;
    }

    /// <summary>Options section <c>Verification</c>, bound and validated once however many features ask for it.</summary>
    internal static IServiceCollection AddVerificationOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(VerificationOptionsRegistered)))
        {
            return services;
        }

        services.AddSingleton<VerificationOptionsRegistered>();
        services.AddOptions<VerificationOptions>()
            .BindConfiguration(VerificationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }

    /// <summary>The consumer on its <c>verify-payment</c> endpoint, configured by <see cref="VerifyPaymentConsumerDefinition"/>.</summary>
    public static IBusRegistrationConfigurator AddPaymentVerificationConsumer(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<VerifyPaymentConsumer, VerifyPaymentConsumerDefinition>();
        return bus;
    }

    private sealed class VerificationOptionsRegistered;
}
