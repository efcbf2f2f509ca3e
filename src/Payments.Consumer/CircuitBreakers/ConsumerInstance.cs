using Payments.Infrastructure.Hosting;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>Identifies this consumer process among its peers (breaker reports, per-instance control queue).</summary>
public sealed class ConsumerInstance
{
    public ConsumerInstance(string? configuredId = null)
    {
        Id = string.IsNullOrWhiteSpace(configuredId)
            ? ServiceDefaults.InstanceId
            : configuredId;
    }

    public string Id { get; }
}
