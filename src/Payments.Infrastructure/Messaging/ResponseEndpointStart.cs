using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Payments.Infrastructure.Hosting;

namespace Payments.Infrastructure.Messaging;

/// <summary>
/// Starts the bus's own endpoint, where a request client's responses arrive, before the first request needs it, and holds
/// requests back (without a thread) until it has. MassTransit starts consuming on that endpoint only once something connects
/// to it, and makes a request that connects before then wait by blocking its thread: a burst of requests on a process just
/// started blocks one thread each, and on two cores the thread pool takes seconds to grow past them (measured before and
/// after in docs/operations.md, "Health").
/// </summary>
/// <remarks>
/// Connects one request pipe at start, on a thread of its own, and opens when the endpoint reports itself started. It is one of
/// the bus's receive-endpoint observers from the bus's configuration on, so it sees that report whenever it comes: after the
/// first connect on RabbitMQ, at the bus's start on a transport that starts the endpoint at once (the in-memory one). While the
/// broker is not there it stays shut: requests wait for it within their own deadline, then answer 503, and
/// <c>/health/ready</c> reports the process not ready.
/// </remarks>
public sealed class ResponseEndpointStart(IServiceProvider services) : BackgroundService, IHealthCheck, IReceiveEndpointObserver
{
    public const string HealthCheckName = "response-endpoint";

    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Resolved on first use: the observer is built with the bus, before the bus can be resolved.
    private IBus Bus => field ??= services.GetRequiredService<IBus>();

    /// <summary>Completes once a request can connect to the bus's endpoint without blocking.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _started.Task.WaitAsync(cancellationToken);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_started.Task.IsCompleted
            ? HealthCheckResult.Healthy("the response endpoint has started")
            : HealthCheckResult.Unhealthy("the response endpoint has not started yet"));

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (ready.IsStarted && ready.InputAddress == Bus.Address)
        {
            _started.TrySetResult();
        }

        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first connect starts the endpoint; once the bus has started, MassTransit blocks it until the endpoint has: on a
        // thread of its own, not one of the pool's. The gate opens from Ready, not from here.
        _ = Task.Factory.StartNew(
            () => Bus.ConnectRequestPipe(NewId.NextGuid(), Pipe.Empty<ConsumeContext<ResponseEndpointProbe>>()).Disconnect(),
            stoppingToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        return Task.CompletedTask;
    }
}

/// <summary>The message type of <see cref="ResponseEndpointStart"/>'s one connect; never sent.</summary>
public sealed record ResponseEndpointProbe;

public static class ResponseEndpointStartRegistration
{
    /// <summary>
    /// <see cref="ResponseEndpointStart"/> for a process that sends requests: started with the host, a <c>/health/ready</c>
    /// check, and the gate <see cref="PublishDeadline"/> waits on before a request.
    /// </summary>
    public static IServiceCollection AddResponseEndpointStart(this IServiceCollection services)
    {
        services.AddSingleton<ResponseEndpointStart>();
        services.AddHostedService(provider => provider.GetRequiredService<ResponseEndpointStart>());
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<ResponseEndpointStart>());
        services.AddHealthChecks().AddCheck<ResponseEndpointStart>(ResponseEndpointStart.HealthCheckName, tags: [ServiceDefaults.ReadyTag]);
        return services;
    }
}
