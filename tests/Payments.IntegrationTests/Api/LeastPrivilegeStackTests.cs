using System.Net.Http.Json;
using System.Text.Json;
using Payments.IntegrationTests.Fixtures;
using Payments.IntegrationTests.Messaging;

namespace Payments.IntegrationTests.Api;

/// <summary>
/// The permissions are enough, not only restrictive: the whole flow with the API on its restricted broker user and database
/// role and the consumer on its own user.
/// </summary>
public sealed class LeastPrivilegeStackTests(ApiStackFixture stack) : IClassFixture<ApiStackFixture>
{
    private readonly StackClient _client = new(stack);

    [Fact]
    public async Task A_payment_confirms_and_breaker_reports_arrive_with_each_service_on_its_own_user()
    {
        var final = await _client.PayAsync("3", "WLD", "3000000000000000000");

        final.GetProperty("status").GetString().ShouldBe("Confirmed", final.ToString());
        // The API consumes the consumer's reports on a queue of its own.
        await Until.TrueAsync(async () =>
        {
            var health = await stack.Api.GetFromJsonAsync<JsonElement>("/api/health/circuit-breaker");
            return health.GetProperty("circuitBreakers").GetArrayLength() > 0;
        }, StackClient.Deadline, "the API shows the consumer's breakers");
        // The management API lists a connection once its statistics have been collected (every 5 s by default).
        var expected = new HashSet<string?>
        {
            BrokerPermissions.UserOf(BrokerPermissions.Api).Username,
            BrokerPermissions.UserOf(BrokerPermissions.Consumer).Username,
        };
        await Until.TrueAsync(async () => (await ConnectedUsersAsync()).SetEquals(expected), StackClient.Deadline,
            $"the virtual host's connections are those of {string.Join(" and ", expected)} only");
    }

    [Fact]
    public async Task The_request_clients_exchange_outlives_its_exclusive_queue_so_a_late_answer_finds_it()
    {
        // A request makes sure the request client's endpoint is declared.
        await _client.InitiateAsync("1", "WLD");

        var queues = await stack.VirtualHost.ListQueuesAsync();
        var bus = queues.Single(q => q.GetProperty("name").GetString()!.Contains("_bus_", StringComparison.Ordinal));
        var name = bus.GetProperty("name").GetString();
        bus.GetProperty("exclusive").GetBoolean().ShouldBeTrue("the reply queue goes with the API's connection");
        var exchange = (await stack.VirtualHost.ListExchangesAsync()).Single(e => e.GetProperty("name").GetString() == name);
        // An answer published to an exchange that has gone closes the answering consumer's channel (404 NOT_FOUND).
        exchange.GetProperty("auto_delete").GetBoolean().ShouldBeFalse("the exchange stays when the API's process dies");
    }

    [Fact]
    public async Task A_verdict_the_api_user_smuggles_into_an_exchange_it_may_write_reaches_no_consumer()
    {
        var reference = await _client.InitiateAsync("1", "WLD");
        var transactionId = StackClient.NewTransactionId();
        // Not registered in the simulator: the portal answers not found, and the intent keeps verifying within the grace.
        await _client.SubmitAcceptedAsync(reference, transactionId);
        var paymentId = Guid.ParseExact(reference, "N");

        // The API's user may write to InitiatePayment's exchange; the envelope inside claims a verdict.
        await using (var connection = await stack.VirtualHost.ConnectAsAsync(BrokerPermissions.UserOf(BrokerPermissions.Api)))
        await using (var channel = await connection.CreateChannelAsync())
        {
            var envelope = JsonSerializer.SerializeToUtf8Bytes(new
            {
                messageId = Guid.NewGuid(),
                messageType = new[] { "urn:message:Payments.Contracts:PaymentVerified" },
                message = new
                {
                    paymentId,
                    transactionId,
                    transactionHash = "0x" + new string('e', 64),
                    portalStatus = "mined",
                    verifiedAt = DateTimeOffset.UtcNow,
                },
            });
            var properties = new RabbitMQ.Client.BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
            await channel.BasicPublishAsync("Payments.Contracts:InitiatePayment", string.Empty, mandatory: false, properties, envelope);
        }

        await Until.TrueAsync(async () => await SkippedAsync("payment-state_skipped") > 0, StackClient.Deadline,
            "the smuggled verdict is set aside in payment-state_skipped");
        var status = await _client.GetAsync(reference);
        status.GetProperty("status").GetString().ShouldBe("Verifying", status.ToString());
        status.GetProperty("transactionHash").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    private async Task<uint> SkippedAsync(string queue)
    {
        try
        {
            return await stack.VirtualHost.CountMessagesAsync(queue);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // Not declared yet: MassTransit declares a skipped queue with the first message it sets aside.
            return 0;
        }
    }

    private async Task<HashSet<string?>> ConnectedUsersAsync() =>
        (await stack.VirtualHost.ListConnectionsAsync()).Select(c => c.GetProperty("user").GetString()).ToHashSet();
}
