using System.ComponentModel.DataAnnotations;

namespace Payments.Api.Messaging;

internal sealed class RabbitMqSettings
{
    public const string Section = "RabbitMq";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public ushort Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "payments";

    [Required]
    public string Username { get; set; } = "payments";

    [Required]
    public string Password { get; set; } = "payments";
}
