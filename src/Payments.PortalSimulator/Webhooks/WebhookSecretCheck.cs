using Microsoft.Extensions.Options;

namespace Payments.PortalSimulator.Webhooks;

/// <summary>Says once at start-up that the receiver has no secret, rather than leaving every 400 to be puzzled over.</summary>
internal sealed class WebhookSecretCheck(IOptions<WebhookOptions> options, ILogger<WebhookSecretCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Secrets().Count == 0)
        {
            Log.NoWebhookSecret(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
