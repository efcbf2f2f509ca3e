using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// Configuration section <c>CircuitBreakerFleet</c>: the consumer instances share the <c>DeveloperPortal</c> breaker over the
/// bus (<see cref="CircuitBreakerFleet"/>); the per-endpoint webhook breakers stay per instance.
/// </summary>
public sealed class CircuitBreakerFleetOptions
{
    public const string SectionName = "CircuitBreakerFleet";

    /// <summary>Off: every instance keeps its own breakers, as a single instance does.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a starting instance waits to hear its peers before it calls the portal: its peers answer a newcomer's
    /// first report at once, so in a fleet it learns an outage in milliseconds; alone, it starts verifying after this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan JoinWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Off: the <c>verify-payment</c> endpoint keeps taking messages while the breaker is open, and defers each one
    /// (<see cref="BreakerEndpointPause"/>).
    /// </summary>
    public bool PauseWhileOpen { get; set; } = true;

    /// <summary>
    /// How long past the end of an open window the other instances wait for the prober's result before each probes for
    /// itself (the prober stopped, lost the broker, or its probe hangs up to the portal client's timeout).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ProbeGrace { get; set; } = TimeSpan.FromSeconds(15);
}
