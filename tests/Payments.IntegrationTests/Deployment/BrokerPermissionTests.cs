using MassTransit;
using Payments.Contracts;
using Payments.Infrastructure.Messaging.Delays;
using Payments.IntegrationTests.Fixtures;
using RabbitMQ.Client;

namespace Payments.IntegrationTests.Deployment;

/// <summary>
/// The services' broker users, with exactly the permissions of deploy/rabbitmq/permissions.tsv, against the real broker:
/// what the API's user may not do is refused with 403 ACCESS_REFUSED, and what it needs works. The exchanges exist (the
/// consumer would have declared them), so a refusal is the permission and not a missing exchange.
/// </summary>
public sealed class BrokerPermissionTests(RabbitMqTestVirtualHost vhost) : IClassFixture<RabbitMqTestVirtualHost>, IAsyncLifetime
{
    private const ushort AccessRefused = 403;
    private const string VerifyPaymentFaultExchange = "MassTransit:Fault--Payments.Contracts:VerifyPayment--";

    private static readonly string[] _apiPublishes =
        [nameof(InitiatePayment), nameof(PaymentTransactionSubmitted), nameof(ResolvePayment), nameof(ResendWebhook), nameof(ControlCircuitBreaker)];

    private static readonly BrokerUser _api = BrokerPermissions.UserOf(BrokerPermissions.Api);
    private static readonly BrokerUser _consumer = BrokerPermissions.UserOf(BrokerPermissions.Consumer);

    /// <summary>Every contract's publish exchange but the three the API publishes, and MassTransit's fault exchange of the command.</summary>
    public static TheoryData<string> ExchangesTheApiMayNotWrite()
    {
        var exchanges = new TheoryData<string>();
        foreach (var type in ContractMessageTypes().Where(t => !_apiPublishes.Contains(t.Name)))
        {
            exchanges.Add(PublishExchange(type));
        }

        exchanges.Add(PublishExchange(typeof(Fault<VerifyPayment>)));
        // The saga's and the verifier's own exchanges: a message written there reaches the queue whatever its type.
        exchanges.Add("payment-state");
        exchanges.Add("verify-payment");
        foreach (var delay in DelayExchanges())
        {
            exchanges.Add(delay);
        }

        return exchanges;
    }

    public static TheoryData<string> ExchangesTheApiPublishes() => [.. _apiPublishes.Select(name => "Payments.Contracts:" + name)];

    public async Task InitializeAsync()
    {
        // What the consumer declares, as the test administrator.
        await using var connection = await vhost.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var type in ContractMessageTypes())
        {
            await channel.ExchangeDeclareAsync(PublishExchange(type), ExchangeType.Fanout, durable: true);
        }

        await channel.ExchangeDeclareAsync(PublishExchange(typeof(Fault<VerifyPayment>)), ExchangeType.Fanout, durable: true);
        foreach (var queue in new[] { "payment-state", "verify-payment" })
        {
            await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await channel.QueueBindAsync(queue, queue, "");
        }

        foreach (var exchange in DelayLayout.Fixed().OfType<ExchangeDeclaration>())
        {
            await channel.ExchangeDeclareAsync(exchange.Name, exchange.Type, durable: true, autoDelete: false,
                arguments: exchange.Arguments is null ? null : new Dictionary<string, object?>(exchange.Arguments));
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(ExchangesTheApiMayNotWrite))]
    public async Task The_api_user_is_refused_publishing_into(string exchange)
    {
        var refusal = await RefusalAsync(_api, channel => PublishAsync(channel, exchange));

        refusal.ShouldBe(AccessRefused, $"{_api.Username} publishing into {exchange}");
    }

    [Theory]
    [MemberData(nameof(ExchangesTheApiPublishes))]
    public async Task The_api_user_publishes_into(string exchange)
    {
        var refusal = await RefusalAsync(_api, channel => PublishAsync(channel, exchange));

        refusal.ShouldBeNull($"{_api.Username} publishing into {exchange}");
    }

    [Fact]
    public async Task The_api_user_cannot_declare_a_delay_level_nor_read_the_saga_queue_nor_listen_to_verdicts()
    {
        (await RefusalAsync(_api, channel => channel.QueueDeclareAsync(DelayRouting.LevelName(0), durable: true, exclusive: false, autoDelete: false,
            arguments: DelayLayout.LevelQueueArguments(0))))
            .ShouldBe(AccessRefused, "declaring a delay level");
        (await RefusalAsync(_api, channel => channel.BasicGetAsync("payment-state", autoAck: false)))
            .ShouldBe(AccessRefused, "reading the saga queue");

        // A queue of its own is allowed; bound to a verdict exchange it would see every verdict.
        var own = "circuit-breaker-status-" + Guid.NewGuid().ToString("N")[..8];
        (await RefusalAsync(_api, async channel =>
        {
            await channel.QueueDeclareAsync(own, durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(own, PublishExchange(typeof(PaymentVerified)), "");
        })).ShouldBe(AccessRefused, "binding its queue to the verdicts");
    }

    [Fact]
    public async Task The_api_user_declares_and_binds_its_status_queue_to_the_breaker_reports()
    {
        var own = "circuit-breaker-status-" + Guid.NewGuid().ToString("N")[..8];

        var refusal = await RefusalAsync(_api, async channel =>
        {
            await channel.ExchangeDeclareAsync(own, ExchangeType.Fanout, durable: false, autoDelete: true);
            await channel.QueueDeclareAsync(own, durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(own, own, "");
            await channel.ExchangeBindAsync(own, PublishExchange(typeof(CircuitBreakerStatusReported)), "");
            await channel.BasicGetAsync(own, autoAck: true);
        });

        refusal.ShouldBeNull();
    }

    [Fact]
    public async Task The_consumer_user_publishes_verdicts_and_into_the_delays()
    {
        (await RefusalAsync(_consumer, channel => PublishAsync(channel, PublishExchange(typeof(PaymentVerified))))).ShouldBeNull();
        (await RefusalAsync(_consumer, channel => PublishAsync(channel, DelayRouting.DeliveryExchange))).ShouldBeNull();
    }

    [Fact]
    public async Task No_service_user_is_an_administrator()
    {
        foreach (var permission in BrokerPermissions.All)
        {
            var user = BrokerPermissions.UserOf(permission.Service);
            (await vhost.GetUserTagsAsync(user.Username)).ShouldBeEmpty($"the tags of {user.Username}");
        }
    }

    private static IEnumerable<Type> ContractMessageTypes() =>
        typeof(InitiatePayment).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Payments.Contracts" && t.IsClass && !(t.IsAbstract && t.IsSealed));

    // MassTransit's publish exchange of a message type; the fault of a command as the broker shows it.
    private static string PublishExchange(Type messageType) =>
        messageType == typeof(Fault<VerifyPayment>) ? VerifyPaymentFaultExchange : $"{messageType.Namespace}:{messageType.Name}";

    private static IEnumerable<string> DelayExchanges() =>
        DelayLayout.Fixed().OfType<ExchangeDeclaration>().Select(e => e.Name);

    private static async Task PublishAsync(IChannel channel, string exchange) =>
        await channel.BasicPublishAsync(exchange, "", mandatory: false, new BasicProperties(), "{}"u8.ToArray());

    /// <summary>
    /// Runs <paramref name="operations"/> on a channel of <paramref name="user"/>'s with publisher confirms (so a refused
    /// publish surfaces before the call returns), then a round trip on it; the reply code the broker closed the channel
    /// with, or null when everything went through.
    /// </summary>
    private async Task<ushort?> RefusalAsync(BrokerUser user, Func<IChannel, Task> operations)
    {
        await using var connection = await vhost.ConnectAsAsync(user);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await operations(channel);
            // A synchronous method that needs no permission: a channel error still in flight arrives before its answer.
            await channel.BasicQosAsync(0, 1, global: false);
        }
        catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.OperationInterruptedException
                                              or RabbitMQ.Client.Exceptions.PublishException)
        {
            // The close reason holds the code; the exception may only say the channel is closed.
        }

        return channel.CloseReason?.ReplyCode;
    }
}
