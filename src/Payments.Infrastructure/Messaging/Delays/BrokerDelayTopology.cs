using MassTransit;
using MassTransit.RabbitMqTransport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Payments.Infrastructure.Messaging.Delays;

/// <summary>
/// Declares the delay levels, the delivery side with its parking queue, and the per-destination bindings. Declarations are idempotent on the broker and
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

    /// <summary>
    /// Binds the destination again even if this process bound it before: a receive endpoint that has just (re)declared
    /// its queue calls this, since a binding to a deleted queue went with it and a new queue of the same name has none.
    /// </summary>
    public async Task RebindDestinationAsync(DelayDestination destination, CancellationToken cancellationToken)
    {
        await EnsureLevelsAsync(cancellationToken);
        await _destinations.RunAgainAsync(destination.ExchangeName, token => BindDestinationAsync(destination, token), cancellationToken);
    }

    private async Task DeclareLevelsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        foreach (var declaration in DelayLayout.Fixed())
        {
            await DeclareAsync(channel, declaration, cancellationToken);
        }

        Log.DelayLevelsDeclared(_logger, DelayRouting.LevelCount, _hostSettings.VirtualHost);
    }

    private async Task BindDestinationAsync(DelayDestination destination, CancellationToken cancellationToken)
    {
        await using var connection = await CreateConnectionAsync(cancellationToken);
        var queueExists = await QueueExistsAsync(connection, destination.ExchangeName, cancellationToken);
        var (bind, unbind) = DelayLayout.DestinationBinding(destination.ExchangeName, queueExists);

        await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
        {
            if (!queueExists)
            {
                // The same declaration MassTransit makes for the destination, so it is a no-op when the endpoint already exists.
                await channel.ExchangeDeclareAsync(destination.ExchangeName, destination.ExchangeType, destination.Durable, destination.AutoDelete,
                    cancellationToken: cancellationToken);
            }

            // Bound before the old binding goes: in between a message may arrive twice (consumers tolerate that), never not at all.
            await DeclareAsync(channel, bind, cancellationToken);
        }

        if (unbind is not null)
        {
            await UnbindExchangeIfPresentAsync(connection, unbind, cancellationToken);
        }

        Log.DelayDestinationBound(_logger, destination.ExchangeName, queueExists ? "queue" : "exchange");
    }

    private static Task DeclareAsync(IChannel channel, DelayDeclaration declaration, CancellationToken cancellationToken) => declaration switch
    {
        ExchangeDeclaration exchange => channel.ExchangeDeclareAsync(exchange.Name, exchange.Type, durable: true, autoDelete: false,
            arguments: exchange.Arguments is null ? null : new Dictionary<string, object?>(exchange.Arguments), cancellationToken: cancellationToken),
        QueueDeclaration queue => channel.QueueDeclareAsync(queue.Name, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>(queue.Arguments), cancellationToken: cancellationToken),
        BindingDeclaration { DestinationIsQueue: true } binding => channel.QueueBindAsync(binding.Destination, binding.Source, binding.Pattern,
            cancellationToken: cancellationToken),
        BindingDeclaration binding => channel.ExchangeBindAsync(binding.Destination, binding.Source, binding.Pattern,
            cancellationToken: cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(declaration), declaration, "Unknown declaration."),
    };

    /// <summary>
    /// A passive declare; the broker closes the channel when it fails, so it gets a channel of its own. An exclusive queue
    /// of another connection (a temporary endpoint) answers RESOURCE_LOCKED and counts as absent: only its own connection
    /// may bind it, so its auto-delete exchange is bound instead.
    /// </summary>
    private static async Task<bool> QueueExistsAsync(IConnection connection, string queue, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            return true;
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode is Constants.NotFound or Constants.ResourceLocked)
        {
            return false;
        }
    }

    /// <summary>Unbinding an exchange that does not exist is NOT_FOUND, which only means there is nothing to remove.</summary>
    private static async Task UnbindExchangeIfPresentAsync(IConnection connection, BindingDeclaration binding, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.ExchangeUnbindAsync(binding.Destination, binding.Source, binding.Pattern, cancellationToken: cancellationToken);
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
        }
    }

    /// <summary>The bus's connection settings, converted by MassTransit's own code, so that both connect the same way.</summary>
    internal ConnectionFactory CreateConnectionFactory() => _hostSettings.GetConnectionFactory();

    /// <summary>The nodes the declarations connect to in turn (<c>RabbitMq:Nodes</c>); null for the one configured host.</summary>
    internal IRabbitMqEndpointResolver? EndpointResolver => _hostSettings.EndpointResolver;

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
