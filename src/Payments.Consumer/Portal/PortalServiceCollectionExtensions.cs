using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Payments.CircuitBreaker;

namespace Payments.Consumer.Portal;

public static class PortalServiceCollectionExtensions
{
    private const int MaxResponseBytes = 1024 * 1024;

    /// <summary>
    /// Registers <see cref="IDeveloperPortalClient"/> with its options (section <c>DeveloperPortal</c>, validated at start),
    /// its telemetry, and the circuit breakers when nobody registered them yet.
    /// </summary>
    public static IServiceCollection AddDeveloperPortalClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        // Bound from the configuration handed in (not the container's), so a caller can wire a section of its choice.
        services.AddOptions<DeveloperPortalOptions>()
            .Bind(configuration.GetSection(DeveloperPortalOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeveloperPortalOptions>, DeveloperPortalDevelopmentGuard>());

        if (!services.Any(static descriptor => descriptor.ServiceType == typeof(ICircuitBreakerRegistry)))
        {
            services.AddCircuitBreakers(configuration);
        }

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PortalTelemetry>();

        services.AddHttpClient<IDeveloperPortalClient, DeveloperPortalClient>(static (provider, client) =>
            {
                var options = provider.GetRequiredService<IOptions<DeveloperPortalOptions>>().Value;
                client.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/", UriKind.Absolute);
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = MaxResponseBytes;
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            })
            // A redirect is never followed: the answer must come from the configured portal, and a redirect (a moved API, a
            // wrong base URL, a proxy's login page) is a failed call, not a detour (see DeveloperPortalClient).
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false })
            // The default HttpClient loggers hand the raw request headers (the Authorization key included) to every logging
            // provider as structured state at Trace level, even when the message text is redacted: this client logs its
            // outcomes itself and gets none of them.
            .RemoveAllLoggers();

        return services;
    }
}
