using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.CircuitBreaker;

/// <summary>Registers the circuit breakers.</summary>
public static class CircuitBreakerServiceCollectionExtensions
{
    /// <summary>The configuration section holding one child section per breaker name.</summary>
    public const string SectionName = "CircuitBreakers";

    /// <summary>
    /// Registers <see cref="ICircuitBreakerRegistry"/> (singleton; one breaker per name, created on first use) and
    /// <see cref="CircuitBreakerTelemetry"/> (meter from <see cref="IMeterFactory"/> when registered). The options of a name are
    /// its preset values (<see cref="CircuitBreakerPresets.For"/>) overridden by section <c>CircuitBreakers:{name}</c> (a name
    /// <c>Family.member</c> by <c>CircuitBreakers:{Family}</c> first, see <see cref="CircuitBreakerPresets.FamilyOf"/>); those of
    /// the presets and of every child section of <c>CircuitBreakers</c> are validated at startup, with messages naming the key,
    /// for example <c>CircuitBreakers:DeveloperPortal:FailureThreshold must be at least 1</c>.
    /// </summary>
    public static IServiceCollection AddCircuitBreakers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static provider => new CircuitBreakerTelemetry(provider.GetService<IMeterFactory>()));
        services.TryAddSingleton<ICircuitBreakerRegistry, CircuitBreakerRegistry>();
        services.AddSingleton<IConfigureOptions<CircuitBreakerOptions>>(new CircuitBreakerOptionsSetup(configuration));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CircuitBreakerOptions>, CircuitBreakerOptionsValidator>());

        var names = new HashSet<string>(StringComparer.Ordinal)
        {
            CircuitBreakerPresets.DeveloperPortal, CircuitBreakerPresets.Database, CircuitBreakerPresets.Webhooks,
        };
        foreach (var child in configuration.GetSection(SectionName).GetChildren())
        {
            names.Add(child.Key);
        }

        foreach (var name in names)
        {
            services.AddOptions<CircuitBreakerOptions>(name).ValidateOnStart();
        }

        return services;
    }

    // One setup for every name, so a breaker requested by a name that has no section still gets its preset (or the defaults).
    private sealed class CircuitBreakerOptionsSetup(IConfiguration configuration) : IConfigureNamedOptions<CircuitBreakerOptions>
    {
        public void Configure(CircuitBreakerOptions options) => Configure(Options.DefaultName, options);

        public void Configure(string? name, CircuitBreakerOptions options)
        {
            var preset = CircuitBreakerPresets.For(name ?? Options.DefaultName);
            options.FailureThreshold = preset.FailureThreshold;
            options.SuccessThreshold = preset.SuccessThreshold;
            options.OpenTimeout = preset.OpenTimeout;
            options.HalfOpenPermits = preset.HalfOpenPermits;
            options.ProbeTimeout = preset.ProbeTimeout;
            if (!string.IsNullOrEmpty(name))
            {
                if (CircuitBreakerPresets.FamilyOf(name) is { } family)
                {
                    configuration.GetSection($"{SectionName}:{family}").Bind(options);
                }

                configuration.GetSection($"{SectionName}:{name}").Bind(options);
            }
        }
    }

    // DataAnnotations, with each message prefixed by the configuration key so a failed start says what to fix.
    private sealed class CircuitBreakerOptionsValidator : IValidateOptions<CircuitBreakerOptions>
    {
        public ValidateOptionsResult Validate(string? name, CircuitBreakerOptions options)
        {
            var errors = options.Validate($"{SectionName}:{name}");
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
