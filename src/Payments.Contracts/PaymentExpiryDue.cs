namespace Payments.Contracts;

/// <summary>Scheduled by the saga at initiation: the intent's deadline for a transaction has passed.</summary>
/// <param name="PaymentId">Saga correlation id.</param>
public sealed record PaymentExpiryDue(Guid PaymentId);
