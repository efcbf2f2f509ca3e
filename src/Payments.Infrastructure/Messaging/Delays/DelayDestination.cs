using MassTransit;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// The exchange a delayed message is finally handed to. MassTransit fronts every queue with a fanout exchange of the
/// same name bound only to that queue, so a queue address delivers to that queue alone; a publish address delivers to
/// the message type's exchange.
/// </summary>
internal sealed record DelayDestination(string ExchangeName, string ExchangeType, bool Durable, bool AutoDelete)
{
    private const int MaxRoutingKeyLength = 255;

    public static DelayDestination FromAddress(Uri hostAddress, Uri address)
    {
        var endpoint = new RabbitMqEndpointAddress(hostAddress, address);
        if (endpoint.ExchangeType == RabbitMqEndpointAddress.DelayedMessageExchangeType)
        {
            throw new ArgumentException($"The destination {address} needs the delayed-message plugin, which this broker does not have.", nameof(address));
        }

        // MassTransit's entity name rules already keep the topic wildcards * and # out of the name.
        if (DelayRouting.RoutingKeyLength(endpoint.Name) > MaxRoutingKeyLength)
        {
            throw new ArgumentException($"The destination name {endpoint.Name} is too long for a delay routing key.", nameof(address));
        }

        return new DelayDestination(endpoint.Name, endpoint.ExchangeType, endpoint.Durable, endpoint.AutoDelete);
    }

    /// <summary>
    /// The destination as an exchange-only send address. A <c>queue:</c> address would make MassTransit declare a
    /// classic queue, which the broker refuses for a queue that already exists as a quorum queue.
    /// </summary>
    public Uri ExchangeAddress =>
        new($"exchange:{ExchangeName}?type={ExchangeType}&durable={(Durable ? "true" : "false")}&autodelete={(AutoDelete ? "true" : "false")}");
}
