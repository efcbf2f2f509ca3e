using System.Text.Json;
using Payments.Infrastructure.Documents;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// What a client's endpoint receives: the event's id (the same on every retry, so a receiver can drop duplicates), its
/// type, when it happened, the intent's reference and its status document as it was then (with <c>webhook</c> null).
/// </summary>
public sealed record WebhookEventBody(Guid Id, string Type, DateTimeOffset CreatedAt, string Reference, PaymentStatusDocument Payment)
{
    /// <summary>The API's JSON conventions (camelCase), so <c>payment</c> reads exactly like <c>GET /api/payments/{reference}</c>.</summary>
    public static JsonSerializerOptions SerializerOptions { get; } = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, SerializerOptions);
}
