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
/// <param name="ClientId">
/// The client the event belongs to, so the consumer can choose its endpoint, slot and breaker before it touches the row and
/// read the row with the attempt it takes, in one statement. Commands without it (sent by an earlier version, a sweep or an
/// operator's re-send) have the row read first.
/// </param>
public sealed record DeliverWebhook(Guid EventId, int Dispatch, string? ClientId = null);
