using MassTransit;

namespace Payments.Api.Messaging;

internal static class MessagingExtensions
{
    /// <summary>
    /// The API's bus: it only publishes and sends requests (no receive endpoints of its own beyond the request client's
    /// temporary reply queue). <c>IRequestClient&lt;InitiatePayment&gt;</c> publishes, so the API needs no saga queue address.
    /// </summary>
    public static IHostApplicationBuilder AddPaymentsMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RabbitMqSettings>()
            .BindConfiguration(RabbitMqSettings.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            x.UsingRabbitMq((context, cfg) =>
            {
                var settings = context.GetRequiredService<Microsoft.Extensions.Options.IOptions<RabbitMqSettings>>().Value;
                cfg.Host(settings.Host, settings.Port, settings.VirtualHost, host =>
                {
                    host.Username(settings.Username);
                    host.Password(settings.Password);
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
