using System.Diagnostics;
using Payments.Infrastructure.Messaging.Delays;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

/// <summary>
/// Restarting the broker disturbs every connection, so this runs alone: xunit runs collections that disable
/// parallelization after all parallel ones, one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerRestartCollection
{
    public const string Name = "Broker restart";
}

[Collection(BrokerRestartCollection.Name)]
public sealed class BrokerRestartTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    private const int DelaySeconds = 12;

    [Fact]
    public async Task A_delay_survives_a_broker_restart()
    {
        var arrivals = new ArrivalLog();
        var probe = new DelayProbe(Guid.NewGuid(), DelaySeconds);
        using var host = await DelayTestHost.StartAsync(vhost, arrivals, x => x.AddConsumer<DelayProbeConsumer>());

        var start = await DelayTestHost.ScheduleAsync(host, DelayProbeConsumer.Queue, TimeSpan.FromSeconds(DelaySeconds), probe);
        var firstLevel = DelayRouting.LevelName(DelayRouting.FirstLevel(DelaySeconds));
        (await vhost.CountMessagesAsync(firstLevel)).ShouldBe(1u, "the probe waits in its first delay level");

        await RestartBrokerAsync();

        var arrived = await arrivals.WaitUntil(a => a.Any(x => x.Id == probe.Id), TimeSpan.FromSeconds(60), "the probe arrives after the restart");
        arrived.Count(x => x.Id == probe.Id).ShouldBe(1);
        arrived.Single(x => x.Id == probe.Id).ElapsedSince(start).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(DelaySeconds));
        await host.StopAsync();
    }

    private async Task RestartBrokerAsync()
    {
        try
        {
            await RabbitMqCtlAsync("stop_app");
        }
        finally
        {
            // Whatever happened above, leave a running broker behind for the rest of the run.
            await RabbitMqCtlAsync("start_app");
            await RabbitMqCtlAsync("await_startup");
        }

        var deadline = Stopwatch.GetTimestamp() + (60 * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                await vhost.CountMessagesAsync(DelayRouting.LevelName(0));
                return;
            }
            catch (Exception) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
    }

    private static async Task RabbitMqCtlAsync(string command)
    {
        // rabbitmqctl talks to the node as the rabbitmq user's Erlang cookie allows: root or sudo.
        var asRoot = Environment.UserName == "root";
        var (exitCode, output) = await ExternalProcess.RunAsync(
            asRoot ? "rabbitmqctl" : "sudo",
            asRoot ? [command] : ["-n", "rabbitmqctl", command],
            timeout: TimeSpan.FromSeconds(120));
        exitCode.ShouldBe(0, $"rabbitmqctl {command}: {output}");
    }
}
