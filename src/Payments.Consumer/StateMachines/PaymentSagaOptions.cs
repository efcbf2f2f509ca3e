using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.StateMachines;

public sealed class PaymentSagaOptions
{
    public const string SectionName = "PaymentSaga";

    /// <summary>How long an intent waits for its transaction before it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ExpiryAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Messages the saga endpoint processes at once.</summary>
    [Range(1, 1024)]
    public int ConcurrencyLimit { get; set; } = 16;

    /// <summary>Queue of the verification consumer (kebab-case endpoint name).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-._]*$")]
    public string VerificationQueue { get; set; } = "verify-payment";
}
