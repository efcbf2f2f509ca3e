using System.ComponentModel.DataAnnotations;

namespace Payments.CircuitBreaker;

/// <summary>
/// Settings of one breaker, bound from configuration section <c>CircuitBreakers:{name}</c> and validated at startup.
/// </summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Consecutive failures in CLOSED that open the circuit. At least 1; default 5.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1")]
    public int FailureThreshold { get; set; } = 5;

    /// <summary>Consecutive successful probes in HALF_OPEN that close the circuit. At least 1; default 2.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1")]
    public int SuccessThreshold { get; set; } = 2;

    /// <summary>How long the circuit stays OPEN before a probe may run. Positive; default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807", ErrorMessage = "{0} must be positive")]
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Maximum number of concurrent probes in HALF_OPEN. At least 1; default 1.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "{0} must be at least 1")]
    public int HalfOpenPermits { get; set; } = 1;

    /// <summary>
    /// How long a half-open probe may hold its permit before the permit is given back. Its late result counts in the totals; a
    /// late failure re-opens the circuit if it is still in the half-open period the probe ran in, anything else moves no state
    /// (a late success does not count towards closing). Positive; default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05.4775807", ErrorMessage = "{0} must be positive")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal CircuitBreakerOptions Clone() => new()
    {
        FailureThreshold = FailureThreshold,
        SuccessThreshold = SuccessThreshold,
        OpenTimeout = OpenTimeout,
        HalfOpenPermits = HalfOpenPermits,
        ProbeTimeout = ProbeTimeout,
    };

    /// <summary>Validates with the data annotations and names each failing key under <paramref name="sectionPath"/>.</summary>
    internal List<string> Validate(string sectionPath)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var messages = new List<string>(results.Count);
        foreach (var result in results)
        {
            messages.Add($"{sectionPath}:{result.ErrorMessage}");
        }

        return messages;
    }
}

/// <summary>The named breakers the system ships with.</summary>
public static class CircuitBreakerPresets
{
    /// <summary>The Worldcoin Developer Portal: 5 failures open, 2 successes close, 30 s open.</summary>
    public const string DeveloperPortal = "DeveloperPortal";

    /// <summary>The database: 10 failures open, 3 successes close, 60 s open.</summary>
    public const string Database = "Database";

    /// <summary>
    /// One breaker per client webhook endpoint, named <c>Webhooks.{client}</c>: 5 failures open, 1 success closes, 60 s open,
    /// a probe's permit held at most 15 s. A dead endpoint is tried once a minute; one answer is enough to resume, since its
    /// events wait in the queue meanwhile. The probe timeout only needs to outlast one delivery (10 s by default): events
    /// that arrive during the probe wait until it ends, so a longer one would only keep them waiting.
    /// </summary>
    public const string Webhooks = "Webhooks";

    /// <summary>
    /// The family of <paramref name="name"/>: the part before the first '.' (<c>Webhooks</c> for <c>Webhooks.shop</c>), or
    /// null for a name without one. A member takes its family's preset and section <c>CircuitBreakers:{family}</c>, then its
    /// own section.
    /// </summary>
    public static string? FamilyOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : null;
    }

    /// <summary>The preset values for <paramref name="name"/> (or its family), or the defaults for a custom name.</summary>
    public static CircuitBreakerOptions For(string name) => (FamilyOf(name) ?? name) switch
    {
        DeveloperPortal => new CircuitBreakerOptions
        {
            FailureThreshold = 5,
            SuccessThreshold = 2,
            OpenTimeout = TimeSpan.FromSeconds(30),
        },
        Database => new CircuitBreakerOptions
        {
            FailureThreshold = 10,
            SuccessThreshold = 3,
            OpenTimeout = TimeSpan.FromSeconds(60),
        },
        Webhooks => new CircuitBreakerOptions
        {
            FailureThreshold = 5,
            SuccessThreshold = 1,
            OpenTimeout = TimeSpan.FromSeconds(60),
            ProbeTimeout = TimeSpan.FromSeconds(15),
        },
        _ => new CircuitBreakerOptions(),
    };
}
