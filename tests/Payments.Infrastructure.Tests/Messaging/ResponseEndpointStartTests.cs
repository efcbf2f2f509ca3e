using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using Payments.Infrastructure.Messaging;

namespace Payments.Infrastructure.Tests.Messaging;

public sealed class ResponseEndpointStartTests : IDisposable
{
    private static readonly TimeSpan _requestTimeout = TimeSpan.FromSeconds(10);
    private static readonly Uri _busAddress = new("rabbitmq://localhost/payments/api_bus_abc?temporary=true");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero));
    private readonly IBus _bus = Substitute.For<IBus>();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ResponseEndpointStart _start;

    public ResponseEndpointStartTests()
    {
        _bus.Address.Returns(_busAddress);
        _bus.ConnectRequestPipe(Arg.Any<Guid>(), Arg.Any<IPipe<ConsumeContext<ResponseEndpointProbe>>>())
            .Returns(_ =>
            {
                _connected.TrySetResult();
                return Substitute.For<ConnectHandle>();
            });
        var services = new ServiceCollection().AddSingleton(_bus).BuildServiceProvider();
        _start = new ResponseEndpointStart(services);
    }

    [Fact]
    public async Task Until_the_endpoint_has_started_requests_wait_and_fail_at_their_deadline_without_reaching_the_client()
    {
        await _start.StartAsync(CancellationToken.None);
        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        IReceiveEndpointObserver observer = _start;

        // What the endpoint reports at the bus's start, before anything consumes on it: ready, not started.
        await observer.Ready(Ready(_busAddress, started: false));
        // Another endpoint of the process starting.
        await observer.Ready(Ready(new Uri("rabbitmq://localhost/payments/circuit-breaker-status"), started: true));

        var requested = false;
        var requesting = Deadline().RunAsync(
            _ =>
            {
                requested = true;
                return Task.FromResult(1);
            },
            _requestTimeout,
            CancellationToken.None);
        _time.Advance(_requestTimeout);

        await Should.ThrowAsync<PublishTimeoutException>(requesting);
        requested.ShouldBeFalse("a request must not reach the request client before the endpoint has started");
        (await Readiness()).ShouldBe(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task Once_the_endpoint_reports_started_requests_go_through_and_the_process_is_ready()
    {
        await _start.StartAsync(CancellationToken.None);
        IReceiveEndpointObserver observer = _start;
        var requesting = Deadline().RunAsync(_ => Task.FromResult(42), _requestTimeout, CancellationToken.None);
        requesting.IsCompleted.ShouldBeFalse();

        await observer.Ready(Ready(_busAddress, started: true));

        (await requesting.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(42);
        (await Readiness()).ShouldBe(HealthStatus.Healthy);
        // The connect runs on a thread of its own, which the start does not wait for.
        await _connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _bus.ReceivedWithAnyArgs(1).ConnectRequestPipe<ResponseEndpointProbe>(default, default!);
    }

    [Fact]
    public async Task An_endpoint_that_started_with_the_bus_before_the_first_connect_opens_the_gate_at_once()
    {
        // The in-memory transport starts the bus's endpoint with the bus; the report comes before this service starts.
        IReceiveEndpointObserver observer = _start;
        await observer.Ready(Ready(_busAddress, started: true));

        await _start.StartAsync(CancellationToken.None);

        (await Deadline().RunAsync(_ => Task.FromResult(7), _requestTimeout, CancellationToken.None)).ShouldBe(7);
        (await Readiness()).ShouldBe(HealthStatus.Healthy);
    }

    [Fact]
    public void The_start_is_one_of_the_bus_receive_endpoint_observers_from_its_configuration_on()
    {
        var services = new ServiceCollection().AddSingleton(_bus).AddResponseEndpointStart().BuildServiceProvider();

        services.GetServices<IReceiveEndpointObserver>().ShouldContain(services.GetRequiredService<ResponseEndpointStart>());
    }

    public void Dispose() => _start.Dispose();

    private static ReceiveEndpointReady Ready(Uri address, bool started)
    {
        var ready = Substitute.For<ReceiveEndpointReady>();
        ready.InputAddress.Returns(address);
        ready.IsStarted.Returns(started);
        return ready;
    }

    private PublishDeadline Deadline() => new(Options.Create(new RabbitMqOptions()), _time, _start);

    private async Task<HealthStatus> Readiness() =>
        (await _start.CheckHealthAsync(new HealthCheckContext(), CancellationToken.None)).Status;
}
