using Microsoft.Extensions.Options;
using Payments.Infrastructure.Hosting;

namespace Payments.Consumer.Webhooks;

/// <summary>
/// Every endpoint: a client name the API also accepts, an absolute http(s) URL without credentials (https outside
/// Development: the body is a payment's status), and at least one secret of at least
/// <see cref="WebhookOptions.MinimumSecretLength"/> characters that is not the development one outside Development.
/// Messages name the setting, never a secret or the URL.
/// </summary>
internal sealed class WebhookOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var development = environment is null || environment.IsDevelopment();
        var failures = new List<string>();
        foreach (var (client, endpoint) in options.Endpoints)
        {
            var setting = $"{WebhookOptions.SectionName}:{client}";
            if (!ClientNames.IsValid(client))
            {
                failures.Add($"{setting}: {ClientNames.Rule}.");
            }

            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{setting}:Url must be an absolute http or https URL.");
            }
            else if (!string.IsNullOrEmpty(url.UserInfo))
            {
                failures.Add($"{setting}:Url must not carry credentials: deliveries are authenticated by their signature.");
            }
            else if (!development && url.Scheme != Uri.UriSchemeHttps)
            {
                failures.Add($"{setting}:Url must be an https URL outside the Development environment (this is {environment?.EnvironmentName}).");
            }

            var secrets = endpoint.SigningSecrets();
            if (secrets.Count == 0)
            {
                failures.Add($"{setting}:Secret (or {setting}:Secrets) is required: every delivery is signed.");
            }

            foreach (var secret in secrets)
            {
                if (secret.Length < WebhookOptions.MinimumSecretLength)
                {
                    failures.Add($"{setting}: a signing secret must be at least {WebhookOptions.MinimumSecretLength} characters.");
                }
                else if (!development && string.Equals(secret, WebhookOptions.DevelopmentSecret, StringComparison.Ordinal))
                {
                    failures.Add($"{setting}: a signing secret still has its development default, which only the Development environment accepts (this is {environment?.EnvironmentName}).");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
