namespace Payments.Api.Payments;

/// <summary>Body of <c>POST /api/payments</c>; amount in whole token units as a decimal string.</summary>
internal sealed record CreatePaymentRequest(string UserId, string Amount, string Token, string Recipient);

/// <summary>Body of <c>POST /api/payments/{reference}/transaction</c>.</summary>
internal sealed record SubmitTransactionRequest(string TransactionId);

internal sealed record PaymentCreatedResponse(string Reference, string Status, DateTimeOffset ExpiresAt);

internal sealed record TransactionAcceptedResponse(string Reference, string Status);
