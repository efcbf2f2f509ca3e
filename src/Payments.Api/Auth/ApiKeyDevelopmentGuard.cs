using Payments.Infrastructure.Hosting;

namespace Payments.Api.Auth;

/// <summary>
/// Outside Development: some client key must be configured (otherwise the development key would apply), no configured
/// client key may be the development key, and the admin key must not be its development default.
/// </summary>
internal sealed class ApiKeyDevelopmentGuard(IHostEnvironment? environment = null)
    : DevelopmentDefaultsGuard<ApiKeyOptions>(environment)
{
    protected override IEnumerable<string> Violations(ApiKeyOptions options)
    {
        if (!options.HasConfiguredKeys)
        {
            yield return "Api:ApiKeys: no client key is configured (Api:ApiKey, Api:ApiKeys or Api:Clients:{name}:ApiKeys), so the "
                + $"development key would apply, which {OnlyDevelopment}: configure the keys of this deployment's clients.";
        }

        foreach (var client in options.ConfiguredKeys()
                     .Where(key => string.Equals(key.Key, ApiKeyOptions.DevelopmentClientKey, StringComparison.Ordinal))
                     .Select(key => key.Client)
                     .Distinct(StringComparer.Ordinal))
        {
            yield return StillDevelopmentDefault(ApiKeyOptions.SettingOf(client));
        }

        if (string.Equals(options.AdminKey, ApiKeyOptions.DevelopmentAdminKey, StringComparison.Ordinal))
        {
            yield return StillDevelopmentDefault($"{ApiKeyOptions.Section}:{nameof(ApiKeyOptions.AdminKey)}");
        }
    }
}
