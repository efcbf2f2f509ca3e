using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Payments.Infrastructure.Messaging;
using RabbitMQ.Client;

namespace Payments.IntegrationTests.Fixtures;

/// <summary>
/// A RabbitMQ virtual host of its own for one test class (or one run), created through the management API and deleted
/// afterwards. Broker address from PAYMENTS_RABBITMQ_HOST / _PORT / _MANAGEMENT_URL, defaulting to the local broker that
/// <c>./run.sh up</c> starts. Creating virtual hosts takes an administrator: PAYMENTS_RABBITMQ_ADMIN_USER / _PASSWORD,
/// the user only <c>./run.sh test</c> creates; the tests connect as that user too (<see cref="Username"/>), with every
/// permission in their own virtual host. The services' users get exactly their permissions of
/// deploy/rabbitmq/permissions.tsv in it (<see cref="BrokerPermissions"/>), for tests that connect as a service. On a
/// <see cref="RabbitMqCluster"/> the services are configured with every node (<c>RabbitMq:Nodes</c>), and the virtual
/// host is managed through the first node's management API.
/// </summary>
public sealed class RabbitMqTestVirtualHost : IAsyncLifetime
{
    public RabbitMqTestVirtualHost()
    {
        Host = Environment.GetEnvironmentVariable("PAYMENTS_RABBITMQ_HOST") ?? "localhost";
        Port = int.Parse(Environment.GetEnvironmentVariable("PAYMENTS_RABBITMQ_PORT") ?? "5672", CultureInfo.InvariantCulture);
        Username = Environment.GetEnvironmentVariable("PAYMENTS_RABBITMQ_ADMIN_USER") ?? "payments-test-admin";
        Password = Environment.GetEnvironmentVariable("PAYMENTS_RABBITMQ_ADMIN_PASSWORD") ?? "payments-test-admin";
        ManagementUri = new Uri(Environment.GetEnvironmentVariable("PAYMENTS_RABBITMQ_MANAGEMENT_URL") ?? "http://localhost:15672/");
        PrometheusUri = new Uri(Environment.GetEnvironmentVariable("PAYMENTS_RABBITMQ_PROMETHEUS_URL") ?? "http://localhost:15692/");
        Name = "payments-test-" + Guid.NewGuid().ToString("N")[..12];
    }

    /// <summary>A virtual host on <paramref name="cluster"/>, first node first.</summary>
    // Internal: xUnit builds class fixtures through their one public constructor.
    internal RabbitMqTestVirtualHost(RabbitMqCluster cluster)
        : this()
    {
        Cluster = cluster;
        Host = cluster.Nodes[0].Host;
        Port = cluster.Nodes[0].Port;
        ManagementUri = cluster.Nodes[0].ManagementUri;
    }

    /// <summary>The cluster this virtual host is on; null on the single node.</summary>
    public RabbitMqCluster? Cluster { get; }

    /// <summary>The virtual host's name, unique per instance.</summary>
    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    /// <summary>The test administrator: every permission in this virtual host.</summary>
    public string Username { get; }

    public string Password { get; }

    public Uri ManagementUri { get; }

    /// <summary>The prometheus plugin's endpoint (PAYMENTS_RABBITMQ_PROMETHEUS_URL).</summary>
    public Uri PrometheusUri { get; }

    public Uri AmqpUri => new($"amqp://{Uri.EscapeDataString(Username)}:{Uri.EscapeDataString(Password)}@{Host}:{Port}/{Uri.EscapeDataString(Name)}");

    /// <summary>Configuration keys that point <c>AddPaymentsRabbitMq</c> at this virtual host.</summary>
    public IReadOnlyDictionary<string, string?> Configuration => ConfigurationAs(Username, Password);

    /// <summary>Configuration keys that point <c>AddPaymentsRabbitMq</c> at this virtual host, logged in as a service's own user.</summary>
    public IReadOnlyDictionary<string, string?> ConfigurationAs(BrokerUser user) => ConfigurationAs(user.Username, user.Password);

    private Dictionary<string, string?> ConfigurationAs(string username, string password)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["RabbitMq:Host"] = Host,
            ["RabbitMq:Port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = Name,
            ["RabbitMq:Username"] = username,
            ["RabbitMq:Password"] = password,
        };
        for (var i = 0; i < (Cluster?.Nodes.Count ?? 0); i++)
        {
            configuration[$"RabbitMq:Nodes:{i}"] = Cluster!.Nodes[i].Address;
        }

        return configuration;
    }

    /// <summary>For code that takes <see cref="RabbitMqOptions"/> directly, e.g. <c>services.Configure&lt;RabbitMqOptions&gt;(vhost.ApplyTo)</c>.</summary>
    public void ApplyTo(RabbitMqOptions options)
    {
        options.Host = Host;
        options.Port = Port;
        options.VirtualHost = Name;
        options.Username = Username;
        options.Password = Password;
    }

    /// <summary>Points a plain MassTransit RabbitMQ bus at this virtual host.</summary>
    public void ConfigureHost(IRabbitMqBusFactoryConfigurator cfg) =>
        cfg.Host(Host, (ushort)Port, Name, host =>
        {
            host.Username(Username);
            host.Password(Password);
        });

    /// <summary>A raw AMQP connection to this virtual host, for looking at queues without a bus.</summary>
    public Task<IConnection> ConnectAsync(CancellationToken cancellationToken = default) =>
        new ConnectionFactory { Uri = AmqpUri, AutomaticRecoveryEnabled = false }.CreateConnectionAsync("payments-tests", cancellationToken);

    /// <summary>A raw AMQP connection to this virtual host as a service's own user.</summary>
    public Task<IConnection> ConnectAsAsync(BrokerUser user, CancellationToken cancellationToken = default) =>
        new ConnectionFactory
        {
            HostName = Host,
            Port = Port,
            VirtualHost = Name,
            UserName = user.Username,
            Password = user.Password,
            AutomaticRecoveryEnabled = false,
        }.CreateConnectionAsync("payments-tests-" + user.Service, cancellationToken);

    /// <summary>A broker user's tags (<c>administrator</c>, ...), from the management API.</summary>
    public async Task<string> GetUserTagsAsync(string username, CancellationToken cancellationToken = default)
    {
        using var management = CreateManagementClient();
        var user = await management.GetFromJsonAsync<JsonElement>($"users/{Uri.EscapeDataString(username)}", cancellationToken);
        var tags = user.GetProperty("tags");
        // A string before RabbitMQ 3.9's management API, a list after.
        return tags.ValueKind == JsonValueKind.Array ? string.Join(',', tags.EnumerateArray().Select(t => t.GetString())) : tags.GetString() ?? "";
    }

    /// <summary>Ready messages in a queue right now (a passive declare, not the management API's sampled statistics).</summary>
    public async Task<uint> CountMessagesAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        return declared.MessageCount;
    }

    /// <summary>Consumers attached to a queue right now (a passive declare): zero while every instance has paused it.</summary>
    public async Task<uint> CountConsumersAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
        return declared.ConsumerCount;
    }

    /// <summary>Takes one message off a queue (acknowledged); null when the queue is empty or does not exist yet.</summary>
    public async Task<BasicGetResult?> TakeMessageAsync(string queue, CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return await channel.BasicGetAsync(queue, autoAck: true, cancellationToken);
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <summary>The management API's description of every queue in this virtual host (name, type, durable, arguments, ...).</summary>
    public async Task<IReadOnlyList<JsonElement>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        await ListQueuesAsync(ManagementUri, cancellationToken);

    /// <summary>As <see cref="ListQueuesAsync(CancellationToken)"/>, through another node's management API.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListQueuesAsync(Uri managementUri, CancellationToken cancellationToken = default)
    {
        using var management = CreateManagementClient(managementUri);
        var queues = await management.GetFromJsonAsync<JsonElement>($"queues/{Name}", cancellationToken);
        return [.. queues.EnumerateArray()];
    }

    /// <summary>The management API's description of every exchange in this virtual host (name, type, durable, auto_delete, ...).</summary>
    public async Task<IReadOnlyList<JsonElement>> ListExchangesAsync(CancellationToken cancellationToken = default)
    {
        using var management = CreateManagementClient(ManagementUri);
        var exchanges = await management.GetFromJsonAsync<JsonElement>($"exchanges/{Name}", cancellationToken);
        return [.. exchanges.EnumerateArray()];
    }

    /// <summary>The management API's description of every client connection to this virtual host (user, heartbeat, client properties, ...).</summary>
    public async Task<IReadOnlyList<JsonElement>> ListConnectionsAsync(CancellationToken cancellationToken = default) =>
        await ListConnectionsAsync(ManagementUri, cancellationToken);

    /// <summary>As <see cref="ListConnectionsAsync(CancellationToken)"/>, through another node's management API.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListConnectionsAsync(Uri managementUri, CancellationToken cancellationToken = default)
    {
        using var management = CreateManagementClient(managementUri);
        var connections = await management.GetFromJsonAsync<JsonElement>($"vhosts/{Name}/connections", cancellationToken);
        return [.. connections.EnumerateArray()];
    }

    /// <summary>The management API's bindings from exchange <paramref name="exchange"/> to queue <paramref name="queue"/>.</summary>
    public async Task<IReadOnlyList<JsonElement>> ListBindingsAsync(string exchange, string queue, CancellationToken cancellationToken = default)
    {
        using var management = CreateManagementClient();
        var bindings = await management.GetFromJsonAsync<JsonElement>(
            $"bindings/{Name}/e/{Uri.EscapeDataString(exchange)}/q/{Uri.EscapeDataString(queue)}", cancellationToken);
        return [.. bindings.EnumerateArray()];
    }

    /// <summary>
    /// One metric of this virtual host's queues from the prometheus plugin's per-object endpoint, which the alert rules
    /// read: queue name to value.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, double>> ScrapeQueueMetricAsync(string metric, CancellationToken cancellationToken = default)
    {
        using var client = new HttpClient { BaseAddress = PrometheusUri, Timeout = TimeSpan.FromSeconds(30) };
        var text = await client.GetStringAsync("metrics/per-object", cancellationToken);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var prefix = metric + "{";
        var vhost = $"vhost=\"{Name}\"";
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal) || !line.Contains(vhost, StringComparison.Ordinal))
            {
                continue;
            }

            var queueStart = line.IndexOf("queue=\"", StringComparison.Ordinal) + "queue=\"".Length;
            var queue = line[queueStart..line.IndexOf('"', queueStart)];
            values[queue] = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }

        return values;
    }

    public async Task InitializeAsync()
    {
        using var management = CreateManagementClient();
        using (var created = await management.PutAsync($"vhosts/{Name}", JsonContent.Create(new { description = "payments integration tests" })))
        {
            created.EnsureSuccessStatusCode();
        }

        await GrantAsync(management, Username, ".*", ".*", ".*");
        foreach (var permission in BrokerPermissions.All)
        {
            await GrantAsync(management, BrokerPermissions.UserOf(permission.Service).Username, permission.Configure, permission.Write, permission.Read);
        }
    }

    private async Task GrantAsync(HttpClient management, string username, string configure, string write, string read)
    {
        using var permitted = await management.PutAsync($"permissions/{Name}/{Uri.EscapeDataString(username)}",
            JsonContent.Create(new { configure, write, read }));
        if (!permitted.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"granting '{username}' its permissions in {Name} answered {(int)permitted.StatusCode} " +
                $"{await permitted.Content.ReadAsStringAsync()} (./run.sh up creates the service users, ./run.sh test the administrator)");
        }
    }

    public async Task DisposeAsync()
    {
        using var management = CreateManagementClient();
        using var deleted = await management.DeleteAsync($"vhosts/{Name}");
        if (deleted.StatusCode != HttpStatusCode.NotFound)
        {
            deleted.EnsureSuccessStatusCode();
        }
    }

    private HttpClient CreateManagementClient(Uri? managementUri = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(managementUri ?? ManagementUri, "api/"), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
        return client;
    }
}
