using System.Net;
using System.Net.Sockets;
using MassTransit;
using Payments.CircuitBreaker;
using Payments.Consumer.CircuitBreakers;
using Payments.Consumer.Portal;
using Payments.Consumer.Reconciliation;
using Payments.Consumer.StateMachines;
using Payments.Consumer.Verification;
using Payments.Consumer.Webhooks;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Hosting;

internal static class WorkerHostingExtensions
{
    private const int FirstManagementPort = 5081;

    /// <summary>
    /// The worker: the payment saga on PostgreSQL, the verification consumer with its breaker-guarded portal client, webhook
    /// delivery with a breaker per client endpoint, breaker reports and operator control, all on RabbitMQ; the reconciler for
    /// intents nobody works on.
    /// </summary>
    public static IHostApplicationBuilder AddPaymentsWorker(this IHostApplicationBuilder builder)
    {
        builder.Services.AddCircuitBreakers(builder.Configuration);
        builder.Services.AddDeveloperPortalClient(builder.Configuration);
        builder.Services.AddPaymentVerification();
        builder.Services.AddPaymentsPersistence(builder.Configuration);
        builder.Services.AddCircuitBreakerReporting(builder.Configuration);
        builder.Services.AddEndpointPause(VerifyPaymentConsumerDefinition.QueueName, CircuitBreakerPresets.DeveloperPortal);
        builder.Services.AddPaymentReconciler();
        builder.Services.AddMassTransit(x =>
        {
            x.AddPaymentSaga().PostgresRepository();
            x.AddPaymentVerificationConsumer();
            x.AddCircuitBreakerControl();
            x.AddWebhookDelivery();
            x.AddPaymentsRabbitMq();
        });
        return builder;
    }

    /// <summary>
    /// The management endpoint (health, metrics) listens on 127.0.0.1:5081 unless URLs are configured; a second instance on
    /// the same host takes the next free port, so several consumers can run side by side without configuration.
    /// </summary>
    public static WebApplicationBuilder UseManagementPort(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["http_ports"]))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{FirstFreePort(FirstManagementPort)}");
        }

        return builder;
    }

    private static int FirstFreePort(int first)
    {
        for (var port = first; port < first + 100; port++)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException($"No free port between {first} and {first + 99} for the management endpoint; set Urls.");
    }
}
