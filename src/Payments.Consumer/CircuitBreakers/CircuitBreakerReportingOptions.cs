using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.CircuitBreakers;

public sealed class CircuitBreakerReportingOptions
{
    public const string SectionName = "CircuitBreakerReporting";

    /// <summary>How often the breaker states are published when nothing changes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many recent transitions each report carries per breaker.</summary>
    [Range(1, 100)]
    public int RecentTransitions { get; set; } = 20;

    /// <summary>Overrides the instance id (default: host name and process id).</summary>
    public string? InstanceId { get; set; }
}
