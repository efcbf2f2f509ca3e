namespace Payments.Infrastructure.Messaging;

/// <summary>Send addresses for our receive endpoints.</summary>
public static class QueueAddress
{
    /// <summary>
    /// Sends to a receive endpoint through the fanout exchange MassTransit binds to its queue. Use this instead of
    /// <c>queue:name</c>: for a <c>queue:</c> address MassTransit declares the queue as a classic queue, and the broker
    /// refuses that declaration (PRECONDITION_FAILED on x-queue-type) because our queues are quorum queues; the send then
    /// retries forever.
    /// </summary>
    public static Uri For(string queueName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        return new Uri($"exchange:{queueName}");
    }
}
