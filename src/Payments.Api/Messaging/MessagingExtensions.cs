using MassTransit;
using Payments.Infrastructure.Messaging;

namespace Payments.Api.Messaging;

internal static class MessagingExtensions
{
    /// <summary>
    /// The API's bus: it publishes and sends requests, and consumes nothing but the replies on the request client's
    /// temporary queue. <c>IRequestClient&lt;InitiatePayment&gt;</c> publishes, so the API needs no saga queue address.
    /// </summary>
    public static IHostApplicationBuilder AddPaymentsMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMassTransit(x => x.AddPaymentsRabbitMq());
        return builder;
    }
}
