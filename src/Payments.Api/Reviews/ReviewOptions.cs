using System.ComponentModel.DataAnnotations;

namespace Payments.Api.Reviews;

internal sealed class ReviewOptions
{
    public const string Section = "Api:Reviews";

    /// <summary>How long a resolution waits for the saga's answer before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan ResolveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Retry-After a 503 carries, in seconds.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;
}
