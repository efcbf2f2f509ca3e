using MassTransit;
using Microsoft.Extensions.Options;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// Finds pending events whose command is overdue and sends each a new one. A first attempt or a command is lost when the
/// process stops between the saga's commit and the attempt (or the outbox's send), or between a failed attempt's update and
/// its scheduled retry; the event row survives either, so its delivery only waits for the next sweep. Each instance sweeps; a row is claimed by one.
/// </summary>
internal sealed class WebhookSweeper(
    IServiceScopeFactory scopes,
    IOptions<WebhookDeliveryOptions> options,
    WebhookTelemetry telemetry,
    TimeProvider time,
    PublishDeadline deadline,
    ILogger<WebhookSweeper> logger) : BackgroundService
{
    private readonly WebhookDeliveryOptions _options = options.Value;
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                Log.WebhookSweepFailed(logger, exception);
            }
        }
    }

    /// <summary>One pass; returns how many events were sent again.</summary>
    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<WebhookStore>();
        var sendEndpoints = scope.ServiceProvider.GetRequiredService<ISendEndpointProvider>();

        var now = time.GetUtcNow();
        var claimed = await store.ClaimOverdueAsync(now - _options.OverdueAfter, now + _options.OverdueAfter, _options.SweepBatchSize, cancellationToken);
        if (claimed.Count == 0)
        {
            return 0;
        }

        var endpoint = await sendEndpoints.GetSendEndpoint(WebhookDeliveryOptions.Address);
        foreach (var (eventId, dispatch) in claimed)
        {
            await deadline.RunAsync(token => endpoint.Send(new DeliverWebhook(eventId, dispatch), token), cancellationToken);
            telemetry.RecordResent("overdue");
        }

        Log.WebhookSweepResent(logger, claimed.Count);
        return claimed.Count;
    }
}
