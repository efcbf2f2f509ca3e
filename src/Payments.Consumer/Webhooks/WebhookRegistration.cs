using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Payments.Consumer.Verification;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.Webhooks;

public static class WebhookRegistration
{
    /// <summary>HttpClient name of the deliveries.</summary>
    public const string HttpClientName = "Webhooks";

    /// <summary>
    /// What the saga needs to record webhook events: the endpoints (section <c>Webhooks</c>) and the delivery settings
    /// (section <c>WebhookDelivery</c>), both validated at start, and <see cref="WebhookEventRecorder"/>. Idempotent.
    /// </summary>
    public static IServiceCollection AddWebhookEvents(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(WebhookOptionsRegistered)))
        {
            return services;
        }

        services.AddSingleton<WebhookOptionsRegistered>();
        services.AddOptions<WebhookOptions>()
            .Configure<IConfiguration>(static (options, configuration) =>
                configuration.GetSection(WebhookOptions.SectionName).Bind(options.Endpoints))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.AddOptions<WebhookDeliveryOptions>()
            .BindConfiguration(WebhookDeliveryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IWebhookOutbox, SagaTransactionWebhookOutbox>();
        services.TryAddSingleton<WebhookEventRecorder>();
        return services;
    }

    /// <summary>
    /// The delivery consumer and operators' re-sends on <c>deliver-webhook</c>, the first attempts after the saga's commit,
    /// the signed HTTP sender, the per-endpoint slots and the sweeper for lost commands. Needs the circuit breakers and the payments database.
    /// </summary>
    public static IBusRegistrationConfigurator AddWebhookDelivery(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddWebhookEvents();
        bus.AddMetrics();
        bus.TryAddSingleton(DeferralJitter.Shared);
        bus.TryAddSingleton<WebhookTelemetry>();
        bus.AddPublishDeadline();
        bus.TryAddSingleton<WebhookEndpointSlots>();
        bus.TryAddSingleton<WebhookStore>();
        bus.AddHttpClient<WebhookSender>(HttpClientName, static client => client.Timeout = Timeout.InfiniteTimeSpan)
            // Never followed: the event must reach the configured URL, and a redirect could point anywhere.
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The default loggers hand request headers (the signature) to logging providers.
            .RemoveAllLoggers();
        bus.AddHostedService<WebhookSweeper>();
        bus.TryAddSingleton<WebhookAttempts>();
        bus.TryAddSingleton<WebhookFirstAttempts>();
        bus.AddHostedService(static provider => provider.GetRequiredService<WebhookFirstAttempts>());

        bus.AddConsumer<DeliverWebhookConsumer, DeliverWebhookConsumerDefinition>();
        bus.AddConsumer<ResendWebhookConsumer, ResendWebhookConsumerDefinition>();
        return bus;
    }

    private sealed class WebhookOptionsRegistered;
}
