using System.Diagnostics;
using System.Globalization;
using System.Net;
using MassTransit;
using Payments.Consumer.Portal;
using Payments.Contracts;
using Payments.IntegrationTests.Fixtures;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Payments.IntegrationTests.Verification;

/// <summary>
/// The verification endpoint on a real broker: deferrals and redeliveries through the broker-native delays. Each test has
/// a virtual host of its own, so that one test's error queue never holds another's message.
/// </summary>
public sealed class VerificationRedeliveryTests : IAsyncLifetime
{
    private const string ErrorQueue = "verify-payment_error";

    private static readonly TimeSpan _wait = TimeSpan.FromSeconds(45);

    private readonly RabbitMqTestVirtualHost _vhost = new();

    public Task InitializeAsync() => _vhost.InitializeAsync();

    public Task DisposeAsync() => _vhost.DisposeAsync();

    private static VerifyPayment Command() => new(
        Guid.NewGuid(),
        "8f14e45fceea167a5a36dedd4bea2543",
        "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"),
        "0x9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b",
        "USDC",
        "1500000");

    private static PortalLookup Matching(VerifyPayment command) => new PortalLookup.Found(new PortalTransaction(
        command.TransactionId, "0x" + new string('a', 64), "mined", command.Reference, command.Recipient, command.Token, command.Amount));

    [Fact]
    public async Task Open_circuit_deferral_leaves_the_redelivery_count_unchanged_and_counts_deferrals()
    {
        var command = Command();
        var portal = new ScriptedPortalClient()
            .Throws(() => new PortalRequestException(HttpStatusCode.ServiceUnavailable, "503 (test)"))
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(1)))
            .Returns(new PortalLookup.CircuitOpen("DeveloperPortal", TimeSpan.FromSeconds(1)))
            .Returns(Matching(command));
        var log = new VerificationLog();
        var settings = new Dictionary<string, string?>
        {
            ["Verification:RedeliveryMinInterval"] = "00:00:01",
            ["Verification:DeferralJitterRatio"] = "0",
        };
        using var host = await VerificationTestHost.StartAsync(_vhost, log, portal, settings);
        try
        {
            await VerificationTestHost.SendAsync(host, command);

            await VerificationLog.WaitUntil(() => log.Events<PaymentVerified>().Any(e => e.PaymentId == command.PaymentId), _wait,
                "the payment is verified after one failure and two deferrals");

            var deliveries = log.Deliveries.Where(d => d.PaymentId == command.PaymentId).ToList();
            deliveries.Count.ShouldBe(4);
            deliveries.Select(d => d.RedeliveryCount).ShouldBe([null, 1, 1, 1]);
            deliveries.Select(d => d.DeferralCount).ShouldBe([null, null, 1, 2]);
            deliveries.Select(d => d.PendingCheckCount).ShouldAllBe(count => count == null);
            for (var i = 1; i < deliveries.Count; i++)
            {
                // Each re-send went through a 1 s broker delay (TTL queues), never straight back to the queue.
                Stopwatch.GetElapsedTime(deliveries[i - 1].Timestamp, deliveries[i].Timestamp).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(900));
            }

            log.Events<PaymentVerificationDeferred>().Where(e => e.PaymentId == command.PaymentId).Select(e => e.Deferrals).Order()
                .ShouldBe([1, 2]);
            portal.Calls.ShouldBe(4);
            (await ErrorQueueDepthAsync()).ShouldBe(0u);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task Exhausted_redeliveries_land_in_the_error_queue_and_publish_a_fault()
    {
        var command = Command();
        var portal = new ScriptedPortalClient().Throws(() => new PortalRequestException(HttpStatusCode.BadGateway, "502 (test)"));
        var log = new VerificationLog();
        var settings = new Dictionary<string, string?>
        {
            ["Verification:RedeliveryLimit"] = "2",
            ["Verification:RedeliveryMinInterval"] = "00:00:01",
        };
        using var host = await VerificationTestHost.StartAsync(_vhost, log, portal, settings);
        try
        {
            await VerificationTestHost.SendAsync(host, command);

            await VerificationLog.WaitUntil(() => log.Events<Fault<VerifyPayment>>().Any(f => f.Message.PaymentId == command.PaymentId), _wait,
                "a Fault<VerifyPayment> is published once redeliveries run out");

            var deliveries = log.Deliveries.Where(d => d.PaymentId == command.PaymentId).ToList();
            deliveries.Select(d => d.RedeliveryCount).ShouldBe([null, 1, 2]);
            Stopwatch.GetElapsedTime(deliveries[0].Timestamp, deliveries[1].Timestamp).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(900));
            Stopwatch.GetElapsedTime(deliveries[1].Timestamp, deliveries[2].Timestamp).ShouldBeGreaterThan(TimeSpan.FromMilliseconds(1900));

            var fault = log.Events<Fault<VerifyPayment>>().Single(f => f.Message.PaymentId == command.PaymentId);
            fault.Exceptions.ShouldContain(e => e.ExceptionType == typeof(PortalRequestException).FullName);

            var faulted = await ReadErrorQueueAsync();
            var body = System.Text.Encoding.UTF8.GetString(faulted.Body.Span);
            body.ShouldContain(command.PaymentId.ToString());
            Convert.ToInt32(ReadHeader(faulted, MassTransit.MessageHeaders.RedeliveryCount), CultureInfo.InvariantCulture).ShouldBe(2);
            portal.Calls.ShouldBe(3);
            log.Events<PaymentVerified>().ShouldNotContain(e => e.PaymentId == command.PaymentId);
            (await ErrorQueueDepthAsync()).ShouldBe(0u);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private async Task<BasicGetResult> ReadErrorQueueAsync()
    {
        // The fault event can arrive before the message is in the error queue, which MassTransit declares on first use.
        await VerificationLog.WaitUntil(async () => await ErrorQueueDepthAsync() > 0, TimeSpan.FromSeconds(15),
            "the exhausted message lands in verify-payment_error");

        await using var connection = await _vhost.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var message = await channel.BasicGetAsync(ErrorQueue, autoAck: true);
        message.ShouldNotBeNull();
        (await channel.BasicGetAsync(ErrorQueue, autoAck: true)).ShouldBeNull("exactly one message is in the error queue");
        return message;
    }

    /// <summary>Messages in <c>verify-payment_error</c>; MassTransit declares it only when a first message fails for good.</summary>
    private async Task<uint> ErrorQueueDepthAsync()
    {
        try
        {
            return await _vhost.CountMessagesAsync(ErrorQueue);
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    private static object? ReadHeader(BasicGetResult message, string header) =>
        message.BasicProperties.Headers is { } headers && headers.TryGetValue(header, out var value)
            ? value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : value
            : null;
}
