using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Payments.CircuitBreaker;

/// <summary>The breakers of a process, one shared instance per name.</summary>
public interface ICircuitBreakerRegistry
{
    /// <summary>
    /// The breaker named <paramref name="name"/>, created on first use from the options named <paramref name="name"/> (preset
    /// values, overridden by configuration section <c>CircuitBreakers:{name}</c>).
    /// </summary>
    /// <exception cref="OptionsValidationException">The options for <paramref name="name"/> are invalid.</exception>
    CircuitBreaker Get(string name);

    /// <summary>The breakers created so far.</summary>
    IReadOnlyCollection<CircuitBreaker> All { get; }
}

internal sealed class CircuitBreakerRegistry(
    IOptionsMonitor<CircuitBreakerOptions> options,
    TimeProvider timeProvider,
    CircuitBreakerTelemetry telemetry,
    ILoggerFactory? loggerFactory = null) : ICircuitBreakerRegistry
{
    private readonly ConcurrentDictionary<string, Lazy<CircuitBreaker>> _breakers = new(StringComparer.Ordinal);
    private readonly ILogger? _logger = loggerFactory?.CreateLogger(typeof(CircuitBreaker).FullName!);

    public IReadOnlyCollection<CircuitBreaker> All =>
        _breakers.Values.Where(static lazy => lazy.IsValueCreated).Select(static lazy => lazy.Value).ToArray();

    public CircuitBreaker Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_breakers.TryGetValue(name, out var existing) && existing.IsValueCreated)
        {
            return existing.Value;
        }

        // Options are read (and validated) before the entry is added, so an invalid name leaves no poisoned entry behind.
        var settings = options.Get(name);
        var lazy = _breakers.GetOrAdd(
            name,
            static (key, state) => new Lazy<CircuitBreaker>(
                () => new CircuitBreaker(key, state.settings, state.timeProvider, state.logger, state.telemetry)),
            (settings, timeProvider, logger: _logger, telemetry));
        return lazy.Value;
    }
}
