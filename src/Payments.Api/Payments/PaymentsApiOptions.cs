using System.ComponentModel.DataAnnotations;

namespace Payments.Api.Payments;

internal sealed class PaymentsApiOptions
{
    public const string Section = "Api:Payments";

    /// <summary>How long POST /api/payments waits for the saga to store the intent before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan InitiateTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The Retry-After a 503 carries, in seconds.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 5;
}
