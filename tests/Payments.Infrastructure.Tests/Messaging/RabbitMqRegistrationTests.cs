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
        });

        var options = provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value;

        options.Host.ShouldBe("broker");
        options.Port.ShouldBe(5673);
        options.VirtualHost.ShouldBe("other");
        options.PrefetchCount.ShouldBe(4);
    }

    [Theory]
    [InlineData("RabbitMq:Host", "")]
    [InlineData("RabbitMq:Port", "0")]
    [InlineData("RabbitMq:PrefetchCount", "0")]
    public void Invalid_options_are_refused(string key, string value)
    {
        using var provider = BuildProvider(new() { [key] = value });

        Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqOptions>>().Value);
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
