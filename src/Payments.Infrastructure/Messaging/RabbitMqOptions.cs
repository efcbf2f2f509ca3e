using System.ComponentModel.DataAnnotations;
using MassTransit;
using MassTransit.RabbitMqTransport.Configuration;

namespace Payments.Infrastructure.Messaging;

/// <summary>Where the broker is; bound from the <c>RabbitMq</c> configuration section.</summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "RabbitMq";

    /// <summary>The local broker's password; refused outside Development (<see cref="RabbitMqDevelopmentGuard"/>).</summary>
    public const string DevelopmentPassword = "payments";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

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
        return host.Settings;
    }
}
