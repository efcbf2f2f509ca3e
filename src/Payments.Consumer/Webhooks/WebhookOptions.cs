namespace Payments.Consumer.Webhooks;

/// <summary>
/// The clients' webhook endpoints, from section <c>Webhooks</c>: one child per client name
/// (<c>Webhooks:{client}:Url</c>, <c>Webhooks:{client}:Secret</c>, <c>Webhooks:{client}:Secrets</c>). URLs come from
/// configuration only, never from a request. Checked at start by <see cref="WebhookOptionsValidator"/>.
/// </summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>The development secret of the local demo's endpoint; refused outside Development.</summary>
    public const string DevelopmentSecret = "dev-webhook-secret-0123456789abcdef";

    /// <summary>A secret shorter than this is refused: it must resist guessing from captured signatures.</summary>
    public const int MinimumSecretLength = 32;

    public Dictionary<string, WebhookEndpointOptions> Endpoints { get; } = new(StringComparer.Ordinal);

    /// <summary>The endpoint of <paramref name="clientId"/>, or null when the client has none.</summary>
    public WebhookEndpointOptions? For(string clientId) =>
        Endpoints.TryGetValue(clientId, out var endpoint) && endpoint.Url is not null ? endpoint : null;
}

/// <summary>One client's endpoint.</summary>
public sealed class WebhookEndpointOptions
{
    /// <summary>Absolute http(s) URL; https outside Development.</summary>
    public string? Url { get; set; }

    /// <summary>The signing secret.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// Signing secrets for a rotation: every one of them (and <see cref="Secret"/>) signs each delivery, one <c>v1=</c> entry
    /// each, so the client can switch its check from the old to the new secret at any time, then drop the old one.
    /// </summary>
    public List<string> Secrets { get; } = [];

    /// <summary>Every configured secret, <see cref="Secret"/> first, each once.</summary>
    public IReadOnlyList<string> SigningSecrets()
    {
        var all = new List<string>(Secrets.Count + 1);
        if (!string.IsNullOrEmpty(Secret))
        {
            all.Add(Secret);
        }

        foreach (var secret in Secrets)
        {
            if (!string.IsNullOrEmpty(secret) && !all.Contains(secret, StringComparer.Ordinal))
            {
                all.Add(secret);
            }
        }

        return all;
    }
}
