using MassTransit;
using MassTransit.RabbitMqTransport;
using MassTransit.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NSubstitute;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Infrastructure.Tests.Messaging;

public sealed class RabbitMqRegistrationTests
{
    [Fact]
    public void Options_default_to_the_local_broker()
    {
        using var provider = BuildProvider([]);

        var options = provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value;

        options.Host.ShouldBe("localhost");
        options.Port.ShouldBe(5672);
        options.VirtualHost.ShouldBe("payments");
        options.Username.ShouldBe("payments");
        options.Password.ShouldBe("payments");
        options.PrefetchCount.ShouldBe(16);
        options.PublishTimeout.ShouldBe(TimeSpan.FromSeconds(10));
        provider.GetRequiredService<PublishDeadline>().Timeout.ShouldBe(TimeSpan.FromSeconds(10));
        options.ConsumerStopTimeout.ShouldBe(TimeSpan.FromSeconds(15));
        provider.GetRequiredService<IOptions<MassTransitHostOptions>>().Value.ConsumerStopTimeout.ShouldBe(TimeSpan.FromSeconds(15));
    }

    [Fact]
    public void Options_bind_from_the_rabbitmq_section()
    {
        using var provider = BuildProvider(new()
        {
            ["RabbitMq:Host"] = "broker",
            ["RabbitMq:Port"] = "5673",
            ["RabbitMq:VirtualHost"] = "other",
            ["RabbitMq:PrefetchCount"] = "4",
            ["RabbitMq:PublishTimeout"] = "00:00:02",
            ["RabbitMq:ConsumerStopTimeout"] = "00:00:05",
        });

        var options = provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value;

        options.Host.ShouldBe("broker");
        options.Port.ShouldBe(5673);
        options.VirtualHost.ShouldBe("other");
        options.PrefetchCount.ShouldBe(4);
        options.PublishTimeout.ShouldBe(TimeSpan.FromSeconds(2));
        provider.GetRequiredService<IOptions<MassTransitHostOptions>>().Value.ConsumerStopTimeout.ShouldBe(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("RabbitMq:Host", "")]
    [InlineData("RabbitMq:Port", "0")]
    [InlineData("RabbitMq:PrefetchCount", "0")]
    [InlineData("RabbitMq:PublishTimeout", "00:00:00")]
    [InlineData("RabbitMq:ConsumerStopTimeout", "00:00:00")]
    public void Invalid_options_are_refused(string key, string value)
    {
        using var provider = BuildProvider(new() { [key] = value });

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value);
    }

    [Fact]
    public void Without_nodes_the_one_configured_host_is_the_broker()
    {
        using var provider = BuildProvider(new() { ["RabbitMq:Host"] = "broker", ["RabbitMq:Port"] = "5673" });

        var options = provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        var settings = options.ToHostSettings();

        options.Nodes.ShouldBeEmpty();
        settings.EndpointResolver.ShouldBeNull();
        settings.Host.ShouldBe("broker");
        settings.Port.ShouldBe(5673);
    }

    [Fact]
    public void Nodes_bind_from_the_section_and_each_connection_goes_to_the_next_node()
    {
        using var provider = BuildProvider(new()
        {
            ["RabbitMq:Port"] = "5700",
            ["RabbitMq:Nodes:0"] = "node-a:5672",
            ["RabbitMq:Nodes:1"] = "node-b",
            ["RabbitMq:Nodes:2"] = "10.0.0.3:5674",
        });

        var options = provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        var resolver = options.ToHostSettings().EndpointResolver;

        options.Nodes.ShouldBe(["node-a:5672", "node-b", "10.0.0.3:5674"]);
        resolver.ShouldNotBeNull();
        // One endpoint per connection attempt, in turn: a lost connection is made again to the next node.
        var endpoints = Enumerable.Range(0, 4).Select(_ => resolver.All().Single()).Select(e => $"{e.HostName}:{e.Port}").ToList();
        endpoints.ShouldBe(["node-a:5672", "node-b:5700", "10.0.0.3:5674", "node-a:5672"]);
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("amqp://node-a:5672", "expected host or host:port")]
    [InlineData("node-a:", "the port '' is not a number from 1 to 65535")]
    [InlineData("node-a:0", "the port '0' is not a number from 1 to 65535")]
    [InlineData("node-a:70000", "the port '70000' is not a number from 1 to 65535")]
    [InlineData("node-a:56x", "the port '56x' is not a number from 1 to 65535")]
    [InlineData("node a", "'node a' is not a host name or an IPv4 address")]
    [InlineData("::1", "expected host or host:port")]
    public void A_bad_node_is_refused_at_start_naming_its_key(string node, string reason)
    {
        using var provider = BuildProvider(new() { ["RabbitMq:Nodes:0"] = "node-a:5672", ["RabbitMq:Nodes:1"] = node });

        var refused = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value);

        refused.Message.ShouldContain($"RabbitMq:Nodes:1 '{node}' is not a RabbitMQ node: {reason}");
        refused.Message.ShouldNotContain("RabbitMq:Nodes:0");
    }

    [Fact]
    public void The_delay_declarations_connect_to_the_same_nodes_as_the_bus()
    {
        using var provider = BuildProvider(new() { ["RabbitMq:Nodes:0"] = "node-a:5672", ["RabbitMq:Nodes:1"] = "node-b:5673" });
        var context = Substitute.For<IBusRegistrationContext>();
        context.GetService(Arg.Any<Type>()).Returns(call => provider.GetService(call.Arg<Type>()));
        var cfg = Substitute.For<IRabbitMqBusFactoryConfigurator>();
        RabbitMqHostSettings? busSettings = null;
        cfg.When(x => x.Host(Arg.Any<RabbitMqHostSettings>())).Do(call => busSettings = call.Arg<RabbitMqHostSettings>());

        cfg.ConfigurePaymentsHost(context);

        busSettings.ShouldNotBeNull();
        var bus = busSettings.EndpointResolver.ShouldNotBeNull();
        var declarations = provider.GetRequiredService<BrokerDelayTopology>().EndpointResolver.ShouldNotBeNull();
        declarations.ShouldNotBeSameAs(bus);
        static string Next(IRabbitMqEndpointResolver resolver) => resolver.All().Single().ToString();
        new[] { Next(declarations), Next(declarations) }.ShouldBe([Next(bus), Next(bus)]);
    }

    [Fact]
    public async Task The_message_scheduler_in_di_is_masstransits_scheduler_over_broker_delays()
    {
        await using var provider = BuildProvider([]);
        await using var scope = provider.CreateAsyncScope();

        scope.ServiceProvider.GetRequiredService<IMessageScheduler>().ShouldBeOfType<MessageScheduler>();
        provider.GetServices<IHostedService>().OfType<BrokerDelayTopologyInitializer>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task Without_scheduling_nothing_declares_or_schedules_through_the_delays()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddMassTransit(x => x.AddPaymentsRabbitMq(scheduling: MessageScheduling.None));
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        provider.GetServices<IHostedService>().OfType<BrokerDelayTopologyInitializer>().ShouldBeEmpty();
        provider.GetService<BrokerDelayTopology>().ShouldBeNull();
        scope.ServiceProvider.GetService<IMessageScheduler>().ShouldBeNull();
        provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value.VirtualHost.ShouldBe("payments");
    }

    [Fact]
    public void The_bus_and_the_delay_declarations_connect_with_the_same_settings()
    {
        // Port 5671 makes MassTransit switch TLS on: a setting the options do not spell out, which a connection built by
        // hand from host, port and credentials would miss.
        using var provider = BuildProvider(new()
        {
            ["RabbitMq:Host"] = "broker-a",
            ["RabbitMq:Port"] = "5671",
            ["RabbitMq:VirtualHost"] = "other",
            ["RabbitMq:Username"] = "svc",
            ["RabbitMq:Password"] = "secret",
        });
        var context = Substitute.For<IBusRegistrationContext>();
        context.GetService(Arg.Any<Type>()).Returns(call => provider.GetService(call.Arg<Type>()));
        var cfg = Substitute.For<IRabbitMqBusFactoryConfigurator>();
        RabbitMqHostSettings? busSettings = null;
        cfg.When(x => x.Host(Arg.Any<RabbitMqHostSettings>())).Do(call => busSettings = call.Arg<RabbitMqHostSettings>());

        cfg.ConfigurePaymentsHost(context);

        busSettings.ShouldNotBeNull();
        var bus = busSettings.GetConnectionFactory();
        var topology = provider.GetRequiredService<BrokerDelayTopology>();
        var declarations = topology.CreateConnectionFactory();

        declarations.HostName.ShouldBe("broker-a");
        declarations.Ssl.Enabled.ShouldBeTrue();
        declarations.HostName.ShouldBe(bus.HostName);
        declarations.Port.ShouldBe(bus.Port);
        declarations.VirtualHost.ShouldBe(bus.VirtualHost);
        declarations.UserName.ShouldBe(bus.UserName);
        declarations.Password.ShouldBe(bus.Password);
        declarations.Ssl.Enabled.ShouldBe(bus.Ssl.Enabled);
        declarations.Ssl.ServerName.ShouldBe(bus.Ssl.ServerName);
        declarations.Ssl.Version.ShouldBe(bus.Ssl.Version);
        declarations.RequestedHeartbeat.ShouldBe(bus.RequestedHeartbeat);
        declarations.RequestedConnectionTimeout.ShouldBe(bus.RequestedConnectionTimeout);
        declarations.ContinuationTimeout.ShouldBe(bus.ContinuationTimeout);
        declarations.EndpointResolverFactory.ShouldBe(bus.EndpointResolverFactory);
        declarations.ClientProperties["client_api"].ShouldBe(bus.ClientProperties["client_api"]);
        topology.HostAddress.ShouldBe(busSettings.HostAddress);
        topology.ConnectionName.ShouldStartWith(busSettings.ClientProvidedName!);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services.AddMassTransit(x => x.AddPaymentsRabbitMq());
        return services.BuildServiceProvider();
    }
}
