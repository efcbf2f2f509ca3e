namespace Payments.Contracts;

/// <summary>
/// Command from the API's admin route to the webhook delivery consumer: deliver a stored event again, with a fresh retry
/// budget, whatever became of it (an undelivered event is retried, a delivered one is pushed once more).
/// </summary>
/// <param name="EventId">The event's id.</param>
public sealed record ResendWebhook(Guid EventId);
