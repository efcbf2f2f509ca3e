namespace Payments.Infrastructure.Persistence;

/// <summary>
/// One event pushed to a client's webhook endpoint, and where its delivery stands. The saga inserts it in the same
/// transaction that stores the status it reports, so a stored status always has its event; the delivery consumer moves it
/// from <see cref="WebhookDeliveryStatuses.Pending"/> to delivered or undelivered. The API reads it for the status document.
/// </summary>
public class WebhookEvent
{
    /// <summary>The longest <see cref="LastError"/> kept; a longer one is cut.</summary>
    public const int LastErrorLength = 512;

    public Guid Id { get; set; }

    /// <summary>The intent it reports on (the saga's correlation id).</summary>
    public Guid PaymentId { get; set; }

    /// <summary>The client whose endpoint receives it.</summary>
    public string ClientId { get; set; } = null!;

    /// <summary>One of <see cref="Contracts.WebhookEventTypes"/>.</summary>
    public string Type { get; set; } = null!;

    /// <summary>The JSON body exactly as it is sent on every attempt: the status document as it was when the event happened.</summary>
    public string Body { get; set; } = null!;

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>One of <see cref="WebhookDeliveryStatuses"/>.</summary>
    public string Status { get; set; } = WebhookDeliveryStatuses.Pending;

    /// <summary>POSTs made to the endpoint; deferrals while its breaker is open make none and count none.</summary>
    public int Attempts { get; set; }

    /// <summary>Moves on with every command sent for the event; see <see cref="Contracts.DeliverWebhook.Dispatch"/>.</summary>
    public int Dispatch { get; set; }

    /// <summary>When the next command is due to arrive; a pending event long past it lost its command and is sent again.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>No retry is scheduled past this time: the event is then kept as undelivered.</summary>
    public DateTimeOffset RetryUntil { get; set; }

    public DateTimeOffset? LastAttemptAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>The HTTP status of the last attempt, or null when it got none (timeout, connection refused).</summary>
    public int? LastStatusCode { get; set; }

    /// <summary>Why the last attempt failed, in words fit for the client (never the endpoint's answer body).</summary>
    public string? LastError { get; set; }
}

/// <summary>Where a <see cref="WebhookEvent"/>'s delivery stands.</summary>
public static class WebhookDeliveryStatuses
{
    /// <summary>Not delivered yet; an attempt is scheduled.</summary>
    public const string Pending = "pending";

    /// <summary>The endpoint answered 2xx.</summary>
    public const string Delivered = "delivered";

    /// <summary>The retry budget ran out (or the client has no endpoint any more); an operator can re-send it.</summary>
    public const string Undelivered = "undelivered";

    public static IReadOnlyList<string> All { get; } = [Pending, Delivered, Undelivered];
}
