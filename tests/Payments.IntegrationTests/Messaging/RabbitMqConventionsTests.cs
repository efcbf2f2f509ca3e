using MassTransit;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Messaging;

public sealed record InstanceProbe(Guid Id);

/// <summary>A per-instance endpoint, as the breaker control and status consumers use.</summary>
public sealed class InstanceProbeConsumer : IConsumer<InstanceProbe>
{
    public Task Consume(ConsumeContext<InstanceProbe> context) => Task.CompletedTask;
}

public sealed class InstanceProbeConsumerDefinition : ConsumerDefinition<InstanceProbeConsumer>
{
    public InstanceProbeConsumerDefinition() => Endpoint(e => e.Temporary = true);
}

public sealed class RabbitMqConventionsTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>
{
    [Fact]
    public async Task Endpoints_get_kebab_case_durable_quorum_queues_and_temporary_ones_stay_classic()
    {
        using var host = await DelayTestHost.StartAsync(vhost, new ArrivalLog(), x =>
        {
            x.AddConsumer<DelayProbeConsumer>();
            x.AddConsumer<InstanceProbeConsumer, InstanceProbeConsumerDefinition>();
        });

        var queues = await vhost.ListQueuesAsync();
        await host.StopAsync();

        var probe = queues.Single(q => q.GetProperty("name").GetString() == "delay-probe");
        probe.GetProperty("type").GetString().ShouldBe("quorum");
        probe.GetProperty("durable").GetBoolean().ShouldBeTrue();

        var durable = queues.Where(q => q.GetProperty("durable").GetBoolean()).ToList();
        durable.ShouldAllBe(q => q.GetProperty("type").GetString() == "quorum");
        durable.Count.ShouldBe(1 + 18 + 1, "delay-probe, the 18 delay levels and the delay parking queue");

        // Quorum queues cannot be temporary: the per-instance endpoint keeps a classic, non-durable queue.
        var instance = queues.Single(q => q.GetProperty("name").GetString() == "instance-probe");
        instance.GetProperty("type").GetString().ShouldBe("classic");
        instance.GetProperty("durable").GetBoolean().ShouldBeFalse();
    }
}
