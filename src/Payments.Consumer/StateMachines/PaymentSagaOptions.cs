using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.StateMachines;

public sealed class PaymentSagaOptions : IValidatableObject
{
    public const string SectionName = "PaymentSaga";

    /// <summary>
    /// How long an intent waits for its transaction before it expires. The reconciler expires it at its next pass after the
    /// deadline (<c>Verification:ReconcileInterval</c>); no broker message waits for it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan ExpiryAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>What a matching transaction submitted after the intent expired becomes.</summary>
    public LatePaymentPolicy LatePayments { get; set; } = LatePaymentPolicy.Confirm;

    /// <summary>Messages the saga endpoint processes at once.</summary>
    [Range(1, 1024)]
    public int ConcurrencyLimit { get; set; } = 16;

    /// <summary>Queue of the verification consumer (kebab-case endpoint name).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-._]*$")]
    public string VerificationQueue { get; set; } = "verify-payment";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(LatePayments))
        {
            yield return new ValidationResult($"{nameof(LatePayments)} must be Confirm or Review.", [nameof(LatePayments)]);
        }
    }
}

/// <summary>How a late payment (a matching transaction submitted after the intent expired) ends.</summary>
public enum LatePaymentPolicy
{
    /// <summary><c>Confirmed</c>, with <c>submittedAfterExpiry</c> set in the status document.</summary>
    Confirm,

    /// <summary><c>NeedsReview</c> with <c>reviewReason</c> <c>paidAfterExpiry</c>: an operator decides.</summary>
    Review,
}
