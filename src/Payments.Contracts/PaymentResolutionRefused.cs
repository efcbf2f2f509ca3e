namespace Payments.Contracts;

/// <summary>Reply to <see cref="ResolvePayment"/>: nothing changed, the intent is not waiting for a resolution.</summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="Reference">Public reference.</param>
/// <param name="Status">The intent's current status.</param>
/// <param name="Reason">Why the resolution was refused, fit for an operator to read.</param>
public sealed record PaymentResolutionRefused(Guid PaymentId, string Reference, string Status, string Reason);
