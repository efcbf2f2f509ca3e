using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Payments.CircuitBreaker;
using Payments.Consumer.Portal;
using Payments.Contracts;
using Payments.IntegrationTests.Fixtures;
using Payments.PortalSimulator;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace Payments.IntegrationTests.Verification;

/// <summary>
/// A portal outage end to end: real broker, real portal client and breaker, the portal simulator over HTTP. The breaker
/// stops the load on a dead portal, the open circuit defers work instead of burning retries, and everything is verified
/// once the portal is back.
/// </summary>
public sealed class PortalOutageTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const int Payments = 50;
    private const int FailureThreshold = 5;
    private const string Recipient = "0x9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";

    private static readonly TimeSpan _openTimeout = TimeSpan.FromSeconds(3);

    private readonly RabbitMqTestVirtualHost _vhost = new();
    private WebApplication _simulator = null!;
    private HttpClient _control = null!;

    public async Task InitializeAsync()
    {
        await _vhost.InitializeAsync();
        _simulator = await PortalSimulatorApp.StartAsync(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        _control = new HttpClient { BaseAddress = _simulator.GetBaseAddress() };
    }

    public void Dispose() => _control.Dispose();

    public async Task DisposeAsync()
    {
        await _simulator.StopAsync();
        await _simulator.DisposeAsync();
        await _vhost.DisposeAsync();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Outage_opens_the_breaker_then_only_probes_reach_the_portal_and_every_payment_verifies_after_recovery(int concurrency)
    {
        var commands = Enumerable.Range(0, Payments).Select(_ => NewCommand()).ToList();
        foreach (var command in commands)
        {
            await RegisterAsync(command);
        }

        await SetFaultAsync("down");
        var baseline = await PortalRequestsAsync();

        var log = new VerificationLog();
        var settings = new Dictionary<string, string?>
        {
            ["Verification:ConcurrencyLimit"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:PrefetchCount"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["Verification:RedeliveryMinInterval"] = "00:00:01",
            ["Verification:RedeliveryMaxInterval"] = "00:00:04",
            ["DeveloperPortal:BaseUrl"] = _simulator.GetBaseAddress().ToString(),
            ["DeveloperPortal:Timeout"] = "00:00:05",
            ["CircuitBreakers:DeveloperPortal:OpenTimeout"] = _openTimeout.ToString(),
        };
        using var host = await VerificationTestHost.StartAsync(_vhost, log, settings,
            builder => builder.Services.AddDeveloperPortalClient(builder.Configuration));
        try
        {
            var breaker = host.Services.GetRequiredService<ICircuitBreakerRegistry>().Get(CircuitBreakerPresets.DeveloperPortal);
            var changes = new ConcurrentQueue<CircuitStateChange>();
            breaker.StateChanged += changes.Enqueue;

            var endpoint = await host.Services.GetRequiredService<IBus>()
                .GetSendEndpoint(Infrastructure.Messaging.QueueAddress.For(Consumer.Verification.VerifyPaymentConsumerDefinition.QueueName));
            await endpoint.SendBatch(commands);

            // Before it opens: the failures that open it, plus the calls already in flight when it does.
            await VerificationLog.WaitUntil(() => changes.Any(c => c.To == CircuitState.Open), TimeSpan.FromSeconds(60), "the breaker opens");
            var beforeOpen = await PortalRequestsAsync() - baseline;
            beforeOpen.ShouldBeInRange(FailureThreshold, FailureThreshold + concurrency - 1);

            // While open: nothing but the one probe each half-open period lets through.
            await VerificationLog.WaitUntil(() => changes.Count(c => c is { From: CircuitState.HalfOpen, To: CircuitState.Open }) >= 2,
                TimeSpan.FromSeconds(60), "two failed probes re-open the breaker");
            var whileOpen = await PortalRequestsAsync() - baseline - beforeOpen;
            var halfOpenPeriods = changes.Count(c => c.To == CircuitState.HalfOpen);
            whileOpen.ShouldBeLessThanOrEqualTo(halfOpenPeriods);
            whileOpen.ShouldBeGreaterThanOrEqualTo(2);
            log.Events<PaymentVerificationDeferred>().ShouldNotBeEmpty();

            await SetFaultAsync("none");

            var expected = commands.Select(c => c.PaymentId).ToHashSet();
            await VerificationLog.WaitUntil(() => expected.IsSubsetOf(log.Events<PaymentVerified>().Select(e => e.PaymentId)),
                TimeSpan.FromSeconds(120), "every payment is verified once the portal is back");

            output.WriteLine(
                $"concurrency {concurrency}: {beforeOpen} portal requests before the breaker opened, {whileOpen} while open " +
                $"({halfOpenPeriods} half-open periods), {log.Events<PaymentVerificationDeferred>().Count} deferrals, " +
                $"{log.Deliveries.Count} deliveries for {Payments} payments");
            log.Events<Fault<VerifyPayment>>().ShouldBeEmpty();
            log.Events<PaymentRejected>().ShouldBeEmpty();
            (await ErrorQueueDepthAsync()).ShouldBe(0u);
            breaker.State.ShouldBe(CircuitState.Closed);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static VerifyPayment NewCommand() => new(
        Guid.NewGuid(),
        Guid.NewGuid().ToString("N"),
        "0x" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"),
        Recipient,
        "USDC",
        "1500000");

    private async Task RegisterAsync(VerifyPayment command)
    {
        using var response = await _control.PostAsJsonAsync("/_sim/transactions", new
        {
            transactionId = command.TransactionId,
            reference = command.Reference,
            to = command.Recipient,
            token = command.Token,
            tokenAmount = command.Amount,
            finalStatus = "mined",
            pendingPolls = 0,
            hashMissingPolls = 0,
        });
        response.EnsureSuccessStatusCode();
    }

    private async Task SetFaultAsync(string mode)
    {
        using var response = await _control.PutAsJsonAsync("/_sim/faults", new { mode });
        response.EnsureSuccessStatusCode();
    }

    private async Task<long> PortalRequestsAsync() => (await _control.GetFromJsonAsync<SimulatorStats>("/_sim/stats"))!.Total;

    private sealed record SimulatorStats(long Total);

    private async Task<uint> ErrorQueueDepthAsync()
    {
        try
        {
            return await _vhost.CountMessagesAsync("verify-payment_error");
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }
}
