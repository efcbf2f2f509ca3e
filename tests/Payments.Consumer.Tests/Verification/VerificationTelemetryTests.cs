using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Payments.Consumer.Portal;
using Payments.Consumer.Verification;
using Payments.Contracts;
using static Payments.Consumer.Tests.Verification.VerificationData;

namespace Payments.Consumer.Tests.Verification;

public class VerificationTelemetryTests
{
    [Fact]
    public async Task Verdicts_deferrals_and_errors_are_counted_with_their_tags()
    {
        var portal = new FakeDeveloperPortalClient()
            .Throws(new PortalRequestException(HttpStatusCode.ServiceUnavailable, "503 from portal"))
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(10)))
            .Returns(Found(Transaction("pending", hash: null)))
            .Returns(Found(Transaction()));
        await using var verification = await VerificationHarness.StartAsync(portal, jitterSample: 0.0);
        using var measurements = new MeasurementLog(verification.Services.GetRequiredService<IMeterFactory>());

        await verification.SendAsync(Command());
        await verification.AdvanceToDeliveryAsync(2, TimeSpan.FromSeconds(5));
        await verification.AdvanceToDeliveryAsync(3, TimeSpan.FromSeconds(10));
        await verification.AdvanceToDeliveryAsync(4, TimeSpan.FromSeconds(5));
        await verification.PublishedAsync<PaymentVerified>();

        measurements.Of("payments.verification.errors").ShouldBe([("error.type", "503")]);
        measurements.Of("payments.verification.deferrals").ShouldBe([(null, null)]);
        measurements.Of("payments.verification.verdicts").ShouldBe([("verdict", "pending"), ("verdict", "confirmed")]);
    }

    [Fact]
    public async Task Rejection_is_counted_as_a_rejected_verdict()
    {
        var portal = new FakeDeveloperPortalClient().Returns(Found(Transaction("failed")));
        await using var verification = await VerificationHarness.StartAsync(portal);
        using var measurements = new MeasurementLog(verification.Services.GetRequiredService<IMeterFactory>());

        await verification.SendAsync(Command());
        await verification.PublishedAsync<PaymentRejected>();

        measurements.Of("payments.verification.verdicts").ShouldBe([("verdict", "rejected")]);
        measurements.Of("payments.verification.errors").ShouldBeEmpty();
    }

    /// <summary>Counter increments of this harness's meters only (other tests run in the same process).</summary>
    private sealed class MeasurementLog : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Instrument, string? Tag, string? Value)> _seen = new();

        public MeasurementLog(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == VerificationTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                value.ShouldBe(1);
                var tag = tags.Length > 0 ? tags[0] : default;
                _seen.Enqueue((instrument.Name, tag.Key, tag.Value?.ToString()));
            });
            _listener.Start();
        }

        public IReadOnlyList<(string? Tag, string? Value)> Of(string instrument) =>
            [.. _seen.Where(m => m.Instrument == instrument).Select(m => (m.Tag, m.Value))];

        public void Dispose() => _listener.Dispose();
    }
}
