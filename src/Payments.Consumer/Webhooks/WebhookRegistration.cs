using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.Consumer.Webhooks;

public static class WebhookRegistration
{
    /// <summary>
    /// What the saga needs to record webhook events: the endpoints (section <c>Webhooks</c>) and the delivery settings
    /// (section <c>WebhookDelivery</c>), both validated at start, and <see cref="WebhookEventRecorder"/>.
    /// </summary>
    public static IServiceCollection AddWebhookEvents(this IServiceCollection services)
    {
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
}
