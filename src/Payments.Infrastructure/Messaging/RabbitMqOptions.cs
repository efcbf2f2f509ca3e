using System.ComponentModel.DataAnnotations;
using System.Globalization;
using MassTransit;
using MassTransit.RabbitMqTransport.Configuration;
using ValidationResult = System.ComponentModel.DataAnnotations.ValidationResult;

namespace Payments.Infrastructure.Messaging;

/// <summary>Where the broker is; bound from the <c>RabbitMq</c> configuration section.</summary>
public sealed class RabbitMqOptions : IValidatableObject
{
    public const string SectionName = "RabbitMq";

    /// <summary>The local broker's password; refused outside Development (<see cref="RabbitMqDevelopmentGuard"/>).</summary>
    public const string DevelopmentPassword = "payments";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    /// <summary>
    /// The nodes of a RabbitMQ cluster, each <c>host</c> or <c>host:port</c> (<see cref="Port"/> when it has none). Empty
    /// (the default): the one broker at <see cref="Host"/> and <see cref="Port"/>. With nodes, every connection goes to
    /// one of them, the next in the list after a connection is lost, and <see cref="Host"/> only names the broker in
    /// MassTransit's addresses.
    /// </summary>
    public List<string> Nodes { get; set; } = [];

    [Required]
    public string VirtualHost { get; set; } = "payments";

    [Required]
    public string Username { get; set; } = "payments";

    [Required]
    public string Password { get; set; } = DevelopmentPassword;

    /// <summary>Messages each receive endpoint may hold unacknowledged; also bounds its concurrency.</summary>
    [Range(1, 65535)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>
    /// The longest a publish or a send waits for the broker to confirm it (<see cref="PublishDeadline"/>). A confirmation
    /// normally takes milliseconds, and a few seconds while a quorum queue elects a new leader.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a stopping receive endpoint waits for the messages it is consuming before it cancels their token
    /// (MassTransit's <c>ConsumerStopTimeout</c>). An endpoint stops when its connection is lost, and a message being
    /// consumed then may wait on a publish whose confirmation the lost connection never brings (a saga's reply or send,
    /// which take the message's token): without this, the endpoint would wait for it for ever and consume nothing again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConsumerStopTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How to reach the broker, the one place that turns these options into connection settings: the bus is configured
    /// with them (<see cref="RabbitMqRegistration.ConfigurePaymentsHost"/>) and the delay declarations connect with them,
    /// through MassTransit's own conversion to a connection factory. A connection option added here (TLS, cluster nodes,
    /// heartbeat, ...) therefore reaches both; never build a connection from these properties directly.
    /// </summary>
    public RabbitMqHostSettings ToHostSettings()
    {
        var host = new RabbitMqHostConfigurator(Host, VirtualHost, (ushort)Port);
        host.Username(Username);
        host.Password(Password);
        host.PublisherConfirmation = true;
        if (Nodes.Count > 0)
        {
            host.UseCluster(cluster =>
            {
                foreach (var node in Nodes)
                {
                    cluster.Node(node.Trim());
                }
            });
        }

        return host.Settings;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Nodes.Count; i++)
        {
            if (NodeError(Nodes[i]) is { } error)
            {
                var key = $"{SectionName}:{nameof(Nodes)}:{i.ToString(CultureInfo.InvariantCulture)}";
                yield return new ValidationResult($"{key} '{Nodes[i]}' is not a RabbitMQ node: {error}", [nameof(Nodes)]);
            }
        }
    }

    /// <summary>
    /// What is wrong with a node entry, or null. MassTransit splits an entry at its one colon, so a URI, a path or an IPv6
    /// literal would only fail (or connect somewhere else) once the bus starts; refused here instead, naming the key.
    /// </summary>
    private static string? NodeError(string? entry)
    {
        if (string.IsNullOrWhiteSpace(entry))
        {
            return "it is empty (expected host or host:port)";
        }

        var parts = entry.Trim().Split(':');
        if (parts.Length > 2)
        {
            return "expected host or host:port (no scheme, no IPv6 literal: name the host instead)";
        }

        if (Uri.CheckHostName(parts[0]) is not (UriHostNameType.Dns or UriHostNameType.IPv4))
        {
            return $"'{parts[0]}' is not a host name or an IPv4 address (expected host or host:port)";
        }

        if (parts.Length == 2
            && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535))
        {
            return $"the port '{parts[1]}' is not a number from 1 to 65535";
        }

        return null;
    }
}
