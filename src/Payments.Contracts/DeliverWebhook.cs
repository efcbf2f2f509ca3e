namespace Payments.Contracts;

/// <summary>
/// Command to the webhook delivery consumer: make the next delivery attempt of a stored webhook event. The event itself
/// (client, type, body, attempts) is the stored row; the command only names it.
/// </summary>
/// <param name="EventId">The event's id (its row in <c>webhook_events</c>).</param>
/// <param name="Dispatch">
/// The row's dispatch counter when this command was sent. Every attempt, deferral and re-send moves the counter on, so a
/// command whose counter no longer matches is a duplicate or stale and does nothing.
/// </param>
public sealed record DeliverWebhook(Guid EventId, int Dispatch);
