using MassTransit;
using MassTransit.RabbitMqTransport.Configuration;
using MassTransit.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Infrastructure.Messaging;

/// <summary>The RabbitMQ conventions every Payments process shares.</summary>
public static class RabbitMqRegistration
{
    private const string SchedulerLoggerName = "Payments.Infrastructure.Messaging.Delays.BrokerDelayScheduler";

    /// <summary>
    /// RabbitMQ from the <c>RabbitMq</c> configuration section, kebab-case endpoint names, durable quorum queues,
    /// and (with <see cref="MessageScheduling.BrokerDelays"/>, the default) broker-native delays as the message scheduler
    /// (<see cref="IMessageScheduler"/> in DI, and the consume-side scheduler that scheduled redelivery and saga schedules
    /// use). <paramref name="configure"/> runs before <c>ConfigureEndpoints</c>.
    /// </summary>
    public static IBusRegistrationConfigurator AddPaymentsRabbitMq(this IBusRegistrationConfigurator configurator,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configure = null,
        MessageScheduling scheduling = MessageScheduling.BrokerDelays)
    {
        configurator.AddOptions<RabbitMqOptions>()
            .BindConfiguration(RabbitMqOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        configurator.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqOptions>, RabbitMqDevelopmentGuard>());
        configurator.AddPublishDeadline();
        configurator.AddOptions<MassTransitHostOptions>()
            .Configure<IOptions<RabbitMqOptions>>(static (host, broker) => host.ConsumerStopTimeout ??= broker.Value.ConsumerStopTimeout);

        if (scheduling == MessageScheduling.BrokerDelays)
        {
            configurator.AddBrokerDelayScheduler();
        }

        configurator.SetKebabCaseEndpointNameFormatter();
        configurator.AddRabbitMqConfigureEndpointsCallback((_, _, endpoint) => endpoint.UsePaymentsQueueType());

        configurator.UsingRabbitMq((context, cfg) =>
        {
            if (scheduling == MessageScheduling.BrokerDelays)
            {
                cfg.ConfigurePaymentsHost(context);
            }
            else
            {
                cfg.ConfigurePaymentsConnection(context);
            }

            configure?.Invoke(context, cfg);
            cfg.ConfigureEndpoints(context);
        });

        return configurator;
    }

    /// <summary>
    /// The host from <see cref="RabbitMqOptions.ToHostSettings"/> (the same settings the delay declarations connect with), the prefetch count, and the broker-delay scheduler on every consume
    /// context. Needs <see cref="AddBrokerDelayScheduler"/> (which <see cref="AddPaymentsRabbitMq"/> calls).
    /// </summary>
    public static void ConfigurePaymentsHost(this IRabbitMqBusFactoryConfigurator cfg, IBusRegistrationContext context)
    {
        cfg.ConfigurePaymentsConnection(context);
        cfg.UseBrokerDelayScheduler(context);
    }

    private static void ConfigurePaymentsConnection(this IRabbitMqBusFactoryConfigurator cfg, IBusRegistrationContext context)
    {
        var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
        cfg.Host(options.ToHostSettings());
        cfg.PrefetchCount = options.PrefetchCount;
        cfg.UseFilter(new ContractExchangeFilter(
            context.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ContractExchangeFilter).FullName!)));
    }

    /// <summary>A receive endpoint configured by hand gets the same queue type as the conventional ones.</summary>
    public static void UsePaymentsQueueType(this IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        // Quorum queues cannot auto-delete: temporary (per-instance) endpoints stay classic.
        if (endpoint is IRabbitMqReceiveEndpointConfiguration { Settings.AutoDelete: true })
        {
            return;
        }

        endpoint.SetQuorumQueue();
    }

    /// <summary>
    /// Registers the delay topology, its start-up declaration, the binding of every receive endpoint as a delay
    /// destination whenever it has (re)declared its queue, and <see cref="IMessageScheduler"/> on top of it.
    /// </summary>
    public static void AddBrokerDelayScheduler(this IBusRegistrationConfigurator configurator)
    {
        configurator.TryAddSingleton(TimeProvider.System);
        configurator.TryAddSingleton<BrokerDelayTopology>();
        configurator.AddMetrics();
        configurator.TryAddSingleton<DelayTelemetry>();
        configurator.AddHostedService<BrokerDelayTopologyInitializer>();
        configurator.AddReceiveEndpointObserver(provider => new BrokerDelayEndpointBinder(
            provider.GetRequiredService<BrokerDelayTopology>(),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger(SchedulerLoggerName)));
        configurator.AddScoped<IMessageScheduler>(provider => new MessageScheduler(
            new BrokerDelayScheduleMessageProvider(
                provider.GetRequiredService<ISendEndpointProvider>(),
                provider.GetRequiredService<BrokerDelayTopology>(),
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger(SchedulerLoggerName)),
            provider.GetRequiredService<IBus>().Topology));
    }

    /// <summary>Adds the broker-delay scheduler to every consume context of the bus, and measures how delayed messages arrive.</summary>
    public static void UseBrokerDelayScheduler(this IRabbitMqBusFactoryConfigurator cfg, IBusRegistrationContext context)
    {
        cfg.UseFilter(new BrokerDelaySchedulerFilter(
            context.GetRequiredService<BrokerDelayTopology>(),
            context.GetRequiredService<TimeProvider>(),
            context.GetRequiredService<ILoggerFactory>().CreateLogger(SchedulerLoggerName)));
        cfg.UseFilter(new BrokerDelayArrivalFilter(context.GetRequiredService<DelayTelemetry>()));
    }
}
