namespace Payments.Contracts;

/// <summary>
/// Command (request/response) from the API to the payment saga: an operator settles an intent that waits in
/// <see cref="PaymentStatuses.NeedsReview"/>. Answered with <see cref="PaymentResolved"/>, or with
/// <see cref="PaymentResolutionRefused"/> when the intent is in any other status.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
/// <param name="Resolution">One of <see cref="Resolutions"/>.</param>
/// <param name="Note">The operator's reason, kept on the intent as <c>resolutionNote</c>.</param>
public sealed record ResolvePayment(Guid PaymentId, string Resolution, string Note);
