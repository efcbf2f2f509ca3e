using MassTransit;
using Microsoft.Extensions.Logging;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Binds every receive endpoint of the bus as a delay destination each time it becomes ready, that is, after it has
/// declared its queue. A destination is bound straight to its queue, and a deleted queue takes that binding with it; when
/// the endpoint declares the queue again (a restart, or the consumer recovering from the deletion), this restores the
/// binding, which the process's cache alone would not (it remembers the earlier binding as done).
/// </summary>
internal sealed class BrokerDelayEndpointBinder : IReceiveEndpointObserver
{
    private readonly BrokerDelayTopology _topology;
    private readonly ILogger _logger;

    public BrokerDelayEndpointBinder(BrokerDelayTopology topology, ILogger logger)
    {
        _topology = topology;
        _logger = logger;
    }

    // Not awaited: the endpoint must not wait for a declaration (bounded by its own timeout) to start consuming. A binding
    // that fails here is made by the next message scheduled to the endpoint.
    public Task Ready(ReceiveEndpointReady ready)
    {
        _ = RebindAsync(ready.InputAddress);
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private async Task RebindAsync(Uri inputAddress)
    {
        try
        {
            await _topology.RebindDestinationAsync(DelayDestination.FromAddress(_topology.HostAddress, inputAddress), CancellationToken.None);
        }
        catch (Exception exception)
        {
            Log.DelayEndpointNotBound(_logger, inputAddress, exception);
        }
    }
}
