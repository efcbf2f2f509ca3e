using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Declares the delay levels and the per-destination delivery bindings. Declarations are idempotent on the broker and
/// rare in a process (once for the levels, once per destination), so each uses a short-lived connection of its own
/// rather than a long-lived one that would need its own recovery after a broker restart.
/// </summary>
internal sealed class BrokerDelayTopology
{
    private static readonly TimeSpan _declarationTimeout = TimeSpan.FromSeconds(30);

    private readonly RabbitMqHostSettings _hostSettings;
    private readonly ILogger<BrokerDelayTopology> _logger;

    // Not tied to any caller's token: every scheduled message waits for the same declarations.
    private readonly SharedDeclarations<string> _levels;
    private readonly SharedDeclarations<string> _destinations;

    public BrokerDelayTopology(IOptions<RabbitMqOptions> options, TimeProvider time, ILogger<BrokerDelayTopology> logger)
    {
        _hostSettings = options.Value.ToHostSettings();
        _logger = logger;
        _levels = new SharedDeclarations<string>(_declarationTimeout, time, StringComparer.Ordinal);
        _destinations = new SharedDeclarations<string>(_declarationTimeout, time, StringComparer.Ordinal);
        HostAddress = _hostSettings.HostAddress;
    }

    /// <summary>Resolves short addresses (<c>queue:name</c>, <c>exchange:name</c>) against this broker.</summary>
    public Uri HostAddress { get; }

    /// <summary>Declares the levels once; a declaration that failed, timed out or was cancelled is made again by the next caller.</summary>
    public Task EnsureLevelsAsync(CancellationToken cancellationToken) =>
        _levels.RunAsync(DelayRouting.DeliveryExchange, DeclareLevelsAsync, cancellationToken);

    /// <summary>Binds the destination once per process; a binding that failed, timed out or was cancelled is made again by the next caller.</summary>
    public async Task EnsureDestinationAsync(DelayDestination destination, CancellationToken cancellationToken)
    {
        await EnsureLevelsAsync(cancellationToken);
        await _destinations.RunAsync(destination.ExchangeName, token => BindDestinationAsync(destination, token), cancellationToken);
    }

    internal static Dictionary<string, object?> LevelQueueArguments(int level) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-message-ttl"] = DelayRouting.LevelTtlMilliseconds(level),
        ["x-dead-letter-exchange"] = DelayRouting.DeadLetterExchange(level),
        // At-least-once dead-lettering keeps a message in the level queue until the next hop has confirmed it,
        // and RabbitMQ honours it only together with reject-publish overflow.
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    private async Task DeclareLevelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        await channel.ExchangeDeclareAsync(DelayRouting.DeliveryExchange, ExchangeType.Topic, durable: true, autoDelete: false,
            cancellationToken: cancellationToken);

        // Bottom up, so that every dead-letter target exists before the queue that feeds it.
        for (var level = 0; level <= DelayRouting.MaxLevel; level++)
        {
            var name = DelayRouting.LevelName(level);
            await channel.ExchangeDeclareAsync(name, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken);
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: LevelQueueArguments(level),
                cancellationToken: cancellationToken);
            await channel.QueueBindAsync(name, name, DelayRouting.LevelBindingPattern(level, bitSet: true), cancellationToken: cancellationToken);
            await channel.ExchangeBindAsync(DelayRouting.DeadLetterExchange(level), name, DelayRouting.LevelBindingPattern(level, bitSet: false),
                cancellationToken: cancellationToken);
        }

        Log.DelayLevelsDeclared(_logger, DelayRouting.LevelCount, _hostSettings.VirtualHost);
    }

    private async Task BindDestinationAsync(DelayDestination destination, CancellationToken cancellationToken)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        // The same declaration MassTransit makes for the destination, so it is a no-op when the endpoint already exists.
        await channel.ExchangeDeclareAsync(destination.ExchangeName, destination.ExchangeType, destination.Durable, destination.AutoDelete,
            cancellationToken: cancellationToken);
        await channel.ExchangeBindAsync(destination.ExchangeName, DelayRouting.DeliveryExchange,
            DelayRouting.DeliveryBindingPattern(destination.ExchangeName), cancellationToken: cancellationToken);

        Log.DelayDestinationBound(_logger, destination.ExchangeName);
    }

    /// <summary>The bus's connection settings, converted by MassTransit's own code, so that both connect the same way.</summary>
    internal ConnectionFactory CreateConnectionFactory() => _hostSettings.GetConnectionFactory();

    /// <summary>Named after the bus's connection, so that an operator sees both belong to the same process.</summary>
    internal string ConnectionName => $"{_hostSettings.ClientProvidedName ?? "payments"} delay-topology";

    /// <summary>Connects as MassTransit's own connection factory does: through the endpoint resolver when cluster nodes are configured.</summary>
    internal async Task<IConnection> CreateConnectionAsync(CancellationToken cancellationToken)
    {
        var factory = CreateConnectionFactory();
        await _hostSettings.Refresh(factory);
        return _hostSettings.EndpointResolver is { } resolver
            ? await factory.CreateConnectionAsync(resolver, ConnectionName, cancellationToken)
            : await factory.CreateConnectionAsync([_hostSettings.Host], ConnectionName, cancellationToken);
    }
}
