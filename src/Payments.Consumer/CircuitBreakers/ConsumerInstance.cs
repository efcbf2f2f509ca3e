namespace Payments.Consumer.CircuitBreakers;

/// <summary>Identifies this consumer process among its peers (breaker reports, per-instance control queue).</summary>
public sealed class ConsumerInstance
{
    public ConsumerInstance(string? configuredId = null)
    {
        Id = string.IsNullOrWhiteSpace(configuredId)
            ? $"{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant()
            : configuredId;
    }

    public string Id { get; }
}
