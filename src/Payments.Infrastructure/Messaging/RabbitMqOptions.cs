using System.ComponentModel.DataAnnotations;

namespace Payments.Infrastructure.Messaging;

/// <summary>Where the broker is; bound from the <c>RabbitMq</c> configuration section.</summary>
public sealed class RabbitMqOptions
{
    public const string SectionName = "RabbitMq";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "payments";

    [Required]
    public string Username { get; set; } = "payments";

    [Required]
    public string Password { get; set; } = "payments";

    /// <summary>Messages each receive endpoint may hold unacknowledged; also bounds its concurrency.</summary>
    [Range(1, 65535)]
    public int PrefetchCount { get; set; } = 16;
}
