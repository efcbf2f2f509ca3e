namespace Payments.IntegrationTests.Fixtures;

/// <summary>One node of <see cref="RabbitMqCluster"/>: its AMQP address (<c>host:port</c>), Erlang node name and management API.</summary>
public sealed record RabbitMqClusterNode(string Address, string Name, Uri ManagementUri)
{
    public string Host => Address.Split(':')[0];

    public int Port => int.Parse(Address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The three-node RabbitMQ cluster that <c>./run.sh test</c> starts for the node-failure test, apart from the single node
/// every other test uses: where it is comes from PAYMENTS_TEST_RABBITMQ_CLUSTER_NODES (AMQP <c>host:port</c> of each node),
/// _NODE_NAMES (their Erlang node names) and _MANAGEMENT_URLS (each one's management API), comma-separated, in the same
/// order. Without them there is no cluster to test on, which fails the test rather than skipping it.
/// </summary>
public sealed class RabbitMqCluster
{
    public const string NodesVariable = "PAYMENTS_TEST_RABBITMQ_CLUSTER_NODES";
    public const string NodeNamesVariable = "PAYMENTS_TEST_RABBITMQ_CLUSTER_NODE_NAMES";
    public const string ManagementUrlsVariable = "PAYMENTS_TEST_RABBITMQ_CLUSTER_MANAGEMENT_URLS";

    private RabbitMqCluster(IReadOnlyList<RabbitMqClusterNode> nodes) => Nodes = nodes;

    public IReadOnlyList<RabbitMqClusterNode> Nodes { get; }

    public RabbitMqClusterNode Node(string name) =>
        Nodes.SingleOrDefault(n => n.Name == name) ?? throw new InvalidOperationException($"{name} is not a node of the test cluster");

    public static RabbitMqCluster FromEnvironment()
    {
        var nodes = Read(NodesVariable);
        var names = Read(NodeNamesVariable);
        var urls = Read(ManagementUrlsVariable);
        if (nodes.Length < 3 || names.Length != nodes.Length || urls.Length != nodes.Length)
        {
            throw new InvalidOperationException(
                $"{NodesVariable}, {NodeNamesVariable} and {ManagementUrlsVariable} must list the same three or more nodes in the same order " +
                $"(got {nodes.Length}, {names.Length} and {urls.Length} entries)");
        }

        return new RabbitMqCluster([.. nodes.Select((node, i) => new RabbitMqClusterNode(node, names[i], new Uri(urls[i])))]);
    }

    /// <summary><c>rabbitmqctl -n {node} {command}</c>, as the rabbitmq user's Erlang cookie allows: as root or through sudo.</summary>
    public static async Task RabbitMqCtlAsync(string node, string command)
    {
        var asRoot = Environment.UserName == "root";
        string[] arguments = ["-n", node, command];
        var (exitCode, output) = await ExternalProcess.RunAsync(
            asRoot ? "rabbitmqctl" : "sudo",
            asRoot ? arguments : ["-n", "rabbitmqctl", .. arguments],
            timeout: TimeSpan.FromSeconds(120));
        exitCode.ShouldBe(0, $"rabbitmqctl -n {node} {command}: {output}");
    }

    private static string[] Read(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{variable} is not set: this test runs on a three-node RabbitMQ cluster, which './run.sh test' starts and describes in " +
                $"{NodesVariable}, {NodeNamesVariable} and {ManagementUrlsVariable}. Run it through './run.sh test', or start a cluster " +
                "and set them (see docs/operations.md, \"A RabbitMQ cluster\").");
        }

        return [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
