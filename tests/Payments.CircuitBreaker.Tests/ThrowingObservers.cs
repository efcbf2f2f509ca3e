using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Payments.CircuitBreaker.Tests;

/// <summary>A logger that throws from every log call while <see cref="Throwing"/> is set.</summary>
internal sealed class ThrowingLogger : ILogger
{
    public bool Throwing { get; set; } = true;

    public int Calls { get; private set; }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Calls++;
        if (Throwing)
        {
            throw new InvalidOperationException("logger down");
        }
    }
}

/// <summary>
/// Telemetry on a meter of its own, with a listener that throws from the measurements of the named instruments; other tests'
/// breakers use other meters, so only breakers created with <see cref="Telemetry"/> see the failures.
/// </summary>
internal sealed class ThrowingTelemetry : IDisposable
{
    private readonly OwnMeterFactory _factory = new();
    private readonly MeterListener _listener = new();

    public ThrowingTelemetry(params string[] instruments)
    {
        Telemetry = new CircuitBreakerTelemetry(_factory);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _factory.Meter) && instruments.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => throw new InvalidOperationException("telemetry down"));
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => throw new InvalidOperationException("telemetry down"));
        _listener.Start();
    }

    public CircuitBreakerTelemetry Telemetry { get; }

    public void Dispose()
    {
        _listener.Dispose();
        _factory.Dispose();
    }
}

/// <summary>Hands out one meter of its own, so a listener can tell its instruments from those of other tests.</summary>
internal sealed class OwnMeterFactory : IMeterFactory
{
    public Meter? Meter { get; private set; }

    public Meter Create(MeterOptions options) => Meter = new Meter(options);

    public void Dispose() => Meter?.Dispose();
}
