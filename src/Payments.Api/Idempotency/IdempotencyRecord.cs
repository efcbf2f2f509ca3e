namespace Payments.Api.Idempotency;

/// <summary>
/// One client's <c>Idempotency-Key</c>: the request it was first used with (a hash of the validated fields) and the intent
/// that request creates. A repeat replays the first answer from the intent's saga row.
/// </summary>
internal sealed class IdempotencyRecord
{
    public string ClientId { get; set; } = null!;

    public string IdempotencyKey { get; set; } = null!;

    /// <summary>SHA-256 of the request's validated fields (<see cref="IdempotencyRequest.Hash"/>).</summary>
    public byte[] RequestHash { get; set; } = null!;

    /// <summary>The intent the key stands for, chosen before the saga is asked, so a repeat asks for the same one.</summary>
    public Guid PaymentId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Past this the key is forgotten and may be used again.</summary>
    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>The status of the first answer, in rows an earlier version stored it in; null in rows stored now.</summary>
    public string? IntentStatus { get; set; }

    /// <summary>The intent's deadline of the first answer, in rows an earlier version stored it in; null in rows stored now.</summary>
    public DateTimeOffset? IntentExpiresAt { get; set; }
}
