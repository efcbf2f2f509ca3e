using MassTransit;

namespace Payments.Infrastructure.Persistence;

/// <summary>
/// The saga row of one payment intent. Shared by the consumer (which runs the state machine) and the API (which reads it).
/// Amounts are token base units as decimal strings: exact, never floating point.
/// </summary>
public class PaymentState : SagaStateMachineInstance
{
    /// <summary>Saga correlation id; the public reference is <c>CorrelationId.ToString("N")</c>.</summary>
    public Guid CorrelationId { get; set; }

    /// <summary>State machine state name (one of <see cref="Contracts.PaymentStatuses"/>).</summary>
    public string CurrentState { get; set; } = null!;

    public string Reference { get; set; } = null!;

    /// <summary>The API client that created the intent; no other client can see it.</summary>
    public string ClientId { get; set; } = null!;
    public string UserId { get; set; } = null!;
    public string Recipient { get; set; } = null!;
    public string Token { get; set; } = null!;

    /// <summary>Expected amount in token base units.</summary>
    public string Amount { get; set; } = null!;

    public string? TransactionId { get; set; }
    public string? TransactionHash { get; set; }

    /// <summary>Last raw status the portal reported.</summary>
    public string? RawPortalStatus { get; set; }

    public int VerificationAttempts { get; set; }
    public int CircuitDeferrals { get; set; }
    public int PendingChecks { get; set; }
    public string? LastError { get; set; }

    /// <summary>
    /// Why the intent waits for an operator (one of <see cref="Contracts.ReviewReasons"/>); kept after a resolution.
    /// </summary>
    public string? ReviewReason { get; set; }

    /// <summary>The transaction was submitted after the intent's deadline (a late payment).</summary>
    public bool SubmittedAfterExpiry { get; set; }

    /// <summary>When the verification consumer first had an answer from the portal for this transaction.</summary>
    public DateTimeOffset? FirstCheckedAt { get; set; }

    /// <summary>
    /// When the verification chain is next expected to report (now when the command is sent, then now plus the delay each
    /// report announces). A <c>Verifying</c> intent long past it has nobody working on it.
    /// </summary>
    public DateTimeOffset? VerificationDueAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ConfirmedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>An operator's resolution of a review (one of <see cref="Contracts.Resolutions"/>); null until resolved.</summary>
    public string? Resolution { get; set; }

    /// <summary>Why the operator resolved it so, as they wrote it.</summary>
    public string? ResolutionNote { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }

    /// <summary>
    /// Token of the expiry message earlier versions scheduled for every intent. Nothing writes it any more: the reconciler
    /// expires intents past their deadline. Kept so that rows and messages of those versions still read.
    /// </summary>
    public Guid? ExpiryTokenId { get; set; }
}
