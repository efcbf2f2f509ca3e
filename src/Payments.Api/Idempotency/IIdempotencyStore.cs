namespace Payments.Api.Idempotency;

/// <summary>Where the API keeps its clients' idempotency keys; a seam so endpoint tests need no database.</summary>
internal interface IIdempotencyStore
{
    /// <summary>
    /// The key's record: a new one for <paramref name="paymentId"/> when the client has not used the key (or it was forgotten),
    /// else the stored one. Concurrent first uses of one key all get the same record.
    /// </summary>
    Task<IdempotencyRecord> ClaimAsync(string clientId, string key, byte[] requestHash, Guid paymentId, CancellationToken cancellationToken);
}
