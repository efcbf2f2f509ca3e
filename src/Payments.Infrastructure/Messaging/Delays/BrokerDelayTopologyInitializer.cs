using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Declares the delay levels when the process starts. A broker that is not reachable yet does not stop the process:
/// the first scheduled message declares them instead.
/// </summary>
internal sealed class BrokerDelayTopologyInitializer : IHostedService
{
    private readonly BrokerDelayTopology _topology;
    private readonly ILogger<BrokerDelayTopologyInitializer> _logger;

    public BrokerDelayTopologyInitializer(BrokerDelayTopology topology, ILogger<BrokerDelayTopologyInitializer> logger)
    {
        _topology = topology;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _topology.EnsureLevelsAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.DelayLevelsNotDeclaredYet(_logger, exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
