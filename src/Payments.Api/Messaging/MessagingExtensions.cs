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
    /// </summary>
    public static IHostApplicationBuilder AddPaymentsMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMassTransit(x =>
        {
            x.AddCircuitBreakerStatusConsumer();
            x.AddPaymentsRabbitMq();
        });
        return builder;
    }
}
