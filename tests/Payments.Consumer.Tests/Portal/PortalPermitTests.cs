using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Consumer.Portal;

namespace Payments.Consumer.Tests.Portal;

// The client completes each breaker permit exactly once, with the call's own outcome: what its telemetry and logging do
// afterwards is not the portal's health.
public sealed class PortalPermitTests
{
    [Fact]
    public async Task Telemetry_that_throws_after_a_success_does_not_count_a_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        using var listener = ThrowOnRequestDuration(portal.Services.GetRequiredService<IMeterFactory>());

        var exception = await Should.ThrowAsync<InvalidOperationException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        exception.Message.ShouldBe("telemetry down");
        var stats = portal.Breaker.GetStats();
        (stats.TotalAttempts, stats.TotalSuccesses, stats.TotalFailures, stats.Failures).ShouldBe((1, 1, 0, 0));
    }

    [Fact]
    public async Task A_logger_that_throws_after_a_success_does_not_count_a_failure()
    {
        await using var portal = await PortalClientHarness.StartAsync(
            logging: builder => builder.AddProvider(new ThrowingLoggerProvider(typeof(DeveloperPortalClient).FullName!)));
        var id = PortalClientHarness.NewTransactionId();
        await portal.RegisterAsync(id);

        // The logger factory gathers its providers' exceptions into one.
        var exception = await Should.ThrowAsync<AggregateException>(
            async () => await portal.Client.GetTransactionAsync(id, CancellationToken.None));

        exception.InnerExceptions.ShouldHaveSingleItem().Message.ShouldBe("logger down");

        var stats = portal.Breaker.GetStats();
        (stats.TotalAttempts, stats.TotalSuccesses, stats.TotalFailures, stats.Failures).ShouldBe((1, 1, 0, 0));
    }

    [Fact]
    public async Task Telemetry_that_throws_after_a_failure_counts_it_once()
    {
        await using var portal = await PortalClientHarness.StartAsync();
        await portal.SetFaultAsync(new { mode = "error" });
        using var listener = ThrowOnRequestDuration(portal.Services.GetRequiredService<IMeterFactory>());

        await Should.ThrowAsync<InvalidOperationException>(
            async () => await portal.Client.GetTransactionAsync(PortalClientHarness.NewTransactionId(), CancellationToken.None));

        var stats = portal.Breaker.GetStats();
        (stats.TotalAttempts, stats.TotalSuccesses, stats.TotalFailures, stats.Failures).ShouldBe((1, 0, 1, 1));
    }

    // Only the instrument of this harness's meter factory: other tests' portal clients keep working.
    private static MeterListener ThrowOnRequestDuration(IMeterFactory meterFactory)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name == PortalTelemetry.RequestDurationInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => throw new InvalidOperationException("telemetry down"));
        listener.Start();
        return listener;
    }

    private sealed class ThrowingLoggerProvider(string category) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(categoryName == category);

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(bool throws) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => throws;

            public void Log<TState>(
                LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                throw new InvalidOperationException("logger down");
        }
    }
}
