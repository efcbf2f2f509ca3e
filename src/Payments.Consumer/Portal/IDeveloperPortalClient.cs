namespace Payments.Consumer.Portal;

/// <summary>Looks transactions up in the Worldcoin Developer Portal, behind the <c>DeveloperPortal</c> circuit breaker.</summary>
public interface IDeveloperPortalClient
{
    /// <summary>
    /// The portal's view of <paramref name="transactionId"/>: found, not found, or not asked because the circuit is open.
    /// Every real failure (5xx, 408, 429, 401, 403, other non-404 4xx, timeout, connection error, unparsable answer) throws
    /// <see cref="PortalRequestException"/>; cancellation through <paramref name="cancellationToken"/> throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    ValueTask<PortalLookup> GetTransactionAsync(string transactionId, CancellationToken cancellationToken);
}

/// <summary>A payment transaction as the portal reports it; field values exactly as received (amounts in token base units).</summary>
public sealed record PortalTransaction(
    string TransactionId,
    string? TransactionHash,
    string Status,
    string? Reference,
    string? Recipient,
    string? Token,
    string? TokenAmount);

public abstract record PortalLookup
{
    private PortalLookup()
    {
    }

    public sealed record Found(PortalTransaction Transaction) : PortalLookup;

    public sealed record NotFound : PortalLookup;

    /// <summary>
    /// The breaker rejected the call: no HTTP request was made. <paramref name="HalfOpen"/>: the circuit is HALF_OPEN and
    /// the probe is out, so an answer is a moment away (<paramref name="RetryAfter"/> is then only the probe's timeout).
    /// </summary>
    public sealed record CircuitOpen(string BreakerName, TimeSpan RetryAfter, bool HalfOpen = false) : PortalLookup;
}
