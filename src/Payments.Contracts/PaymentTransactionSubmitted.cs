namespace Payments.Contracts;

/// <summary>Event published by the API: the mini-app submitted the MiniKit transaction id for an intent.</summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="TransactionId">MiniKit transaction id, <c>0x</c> followed by 64 lower-case hex digits.</param>
public sealed record PaymentTransactionSubmitted(Guid PaymentId, string TransactionId);
