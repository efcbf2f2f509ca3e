using System.ComponentModel.DataAnnotations;

namespace Payments.PortalSimulator.Webhooks;

/// <summary>The webhook receiver's settings, in the simulator's section (<c>Simulator:WebhookSecrets</c>, ...).</summary>
public sealed class WebhookOptions
{
    /// <summary>Accepted signing secrets; several during a rotation.</summary>
    public List<string> WebhookSecrets { get; set; } = [];

    /// <summary>One more secret, settable from a single environment variable (<c>Simulator__WebhookSecret</c>).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>How far a signature's timestamp may be from the simulator's clock, either way.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan WebhookTolerance { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The configured secrets; an empty entry (an empty environment variable) is no secret.</summary>
    public IReadOnlyList<string> Secrets() =>
        [.. WebhookSecrets.Append(WebhookSecret).OfType<string>().Where(secret => secret.Length > 0).Distinct(StringComparer.Ordinal)];
}
