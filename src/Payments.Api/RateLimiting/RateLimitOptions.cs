using System.ComponentModel.DataAnnotations;

namespace Payments.Api.RateLimiting;

/// <summary>Section <c>Api:RateLimit</c>: one token bucket per client.</summary>
internal sealed class RateLimitOptions
{
    public const string Section = "Api:RateLimit";

    /// <summary>Requests a client may make per second, sustained.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests a client may make at once after being idle (the bucket's size).</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 100;
}
