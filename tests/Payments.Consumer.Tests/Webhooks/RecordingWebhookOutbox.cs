using System.Collections.Concurrent;
using MassTransit;
using Payments.Consumer.Webhooks;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Tests.Webhooks;

/// <summary>
/// Stands in for the saga's PostgreSQL transaction under the in-memory harness, which has none: keeps every webhook event
/// the saga recorded, in order.
/// </summary>
internal sealed class RecordingWebhookOutbox : IWebhookOutbox
{
    private readonly ConcurrentQueue<WebhookEvent> _events = new();

    public IReadOnlyList<WebhookEvent> Events => [.. _events];

    public void Add(PipeContext context, WebhookEvent webhookEvent) => _events.Enqueue(webhookEvent);
}
