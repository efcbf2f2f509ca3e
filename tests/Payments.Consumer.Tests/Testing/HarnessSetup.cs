using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Payments.Consumer.Tests.Testing;

/// <summary>
/// The one place consumer and saga tests build MassTransit's in-memory harness. MassTransit's in-memory delayed
/// scheduler stands in for the broker-native one; time moves only through <see cref="FakeTimeProvider"/> and
/// <c>IInMemoryDelayProvider.Advance</c>.
/// </summary>
public static class HarnessSetup
{
    public static ServiceProvider BuildHarness(
        Action<IBusRegistrationConfigurator> configureBus,
        Action<IServiceCollection>? configureServices = null,
        FakeTimeProvider? time = null,
        Action<IBusRegistrationContext, IInMemoryBusFactoryConfigurator>? configureTransport = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time ?? new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        configureServices?.Invoke(services);
        services.AddMassTransitTestHarness(x =>
        {
            x.AddDelayedMessageScheduler();
            configureBus(x);
            x.UsingInMemory((context, cfg) =>
            {
                cfg.UseDelayedMessageScheduler();
                configureTransport?.Invoke(context, cfg);
                cfg.ConfigureEndpoints(context);
            });
        });
        return services.BuildServiceProvider(true);
    }
}
