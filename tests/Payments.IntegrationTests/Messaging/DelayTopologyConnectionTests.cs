using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Payments.Infrastructure.Messaging.Delays;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed class DelayTopologyConnectionTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    [Fact]
    public async Task The_delay_declarations_connect_to_the_broker_as_the_bus_does()
    {
        using var host = await DelayTestHost.StartAsync(vhost, new ArrivalLog(), x => x.AddConsumer<DelayProbeConsumer>());
        var topology = host.Services.GetRequiredService<BrokerDelayTopology>();

        // Declarations close their connection at once; hold one open to look at it on the broker.
        await using var declarations = await topology.CreateConnectionAsync(CancellationToken.None);
        var (bus, delay) = await WaitForBothConnectionsAsync(topology.ConnectionName);
        await host.StopAsync();

        foreach (var field in new[] { "user", "vhost", "timeout", "ssl", "auth_mechanism", "protocol", "channel_max", "frame_max" })
        {
            delay.GetProperty(field).ToString().ShouldBe(bus.GetProperty(field).ToString(), field);
        }

        // MassTransit's connection factory stamps these; a factory built by hand would not.
        var busClient = bus.GetProperty("client_properties");
        var delayClient = delay.GetProperty("client_properties");
        foreach (var property in new[] { "client_api", "masstransit_version", "hostname", "process_name" })
        {
            delayClient.GetProperty(property).ToString().ShouldBe(busClient.GetProperty(property).ToString(), property);
        }
    }

    private async Task<(JsonElement Bus, JsonElement Delay)> WaitForBothConnectionsAsync(string delayConnectionName)
    {
        var deadline = Stopwatch.GetTimestamp() + (20 * Stopwatch.Frequency);
        while (true)
        {
            var connections = await vhost.ListConnectionsAsync();
            var delay = connections.Where(c => NameOf(c) == delayConnectionName).ToList();
            var bus = connections.Where(c => NameOf(c) is { } name && delayConnectionName.StartsWith(name + " ", StringComparison.Ordinal)).ToList();
            if (delay.Count == 1 && bus.Count >= 1)
            {
                return (bus[0], delay[0]);
            }

            Stopwatch.GetTimestamp().ShouldBeLessThan(deadline, $"the bus connection and {delayConnectionName} show in the management API");
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private static string? NameOf(JsonElement connection) =>
        connection.TryGetProperty("client_properties", out var client) && client.TryGetProperty("connection_name", out var name) ? name.GetString() : null;
}
