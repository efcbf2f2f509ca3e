using MassTransit;
using Payments.Api.CircuitBreakers;
using Payments.Infrastructure.Messaging;

namespace Payments.Api.Messaging;

internal static class MessagingExtensions
{
    /// <summary>
    /// The API's bus: it publishes and sends requests, and consumes only the replies on the request client's temporary
    /// queue and the consumers' breaker reports on a queue of its own. <c>IRequestClient&lt;InitiatePayment&gt;</c>
    /// publishes, so the API needs no saga queue address.
    /// It schedules nothing, so it has no broker-delay scheduler: otherwise it would declare the delay levels at start and
    /// bind its own endpoints as delay destinations, and its broker user would need write access to the delay exchanges,
    /// which deliver any message to any queue after the delay (a way around its publish permissions).
    /// The request client's exchange does not auto-delete: when an API process dies with requests in flight, the consumers
    /// still answer them, and an answer published to an exchange that has gone closes the consumer's channel (404), which
    /// took a saga endpoint's consumer down with it (docs/operations.md, "Users and permissions"). The queue is exclusive
    /// and still goes with its connection; the non-durable exchange stays until the broker restarts, one per API process,
    /// and drops what is sent to it.
    /// </summary>
    public static IHostApplicationBuilder AddPaymentsMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMassTransit(x =>
        {
            x.AddCircuitBreakerStatusConsumer();
            x.AddPaymentsRabbitMq(static (_, cfg) => cfg.AutoDelete = false, MessageScheduling.None);
        });
        builder.Services.AddResponseEndpointStart();
        return builder;
    }
}
