namespace Payments.Contracts;

/// <summary>Reply to <see cref="ResolvePayment"/>: the resolution is stored and the intent is in its final status.</summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="Reference">Public reference.</param>
/// <param name="Status">The final status the resolution settled the intent in.</param>
/// <param name="Resolution">The resolution, one of <see cref="Resolutions"/>.</param>
/// <param name="ResolvedAt">When the saga stored the resolution.</param>
public sealed record PaymentResolved(Guid PaymentId, string Reference, string Status, string Resolution, DateTimeOffset ResolvedAt);
