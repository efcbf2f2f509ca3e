using Payments.Infrastructure.Hosting;

namespace Payments.Consumer.Portal;

/// <summary>
/// Outside Development: the simulator's key is refused, and the portal must be reached over https (the bearer key travels
/// with every request).
/// </summary>
internal sealed class DeveloperPortalDevelopmentGuard(IHostEnvironment? environment = null)
    : DevelopmentDefaultsGuard<DeveloperPortalOptions>(environment)
{
    protected override IEnumerable<string> Violations(DeveloperPortalOptions options)
    {
        if (string.Equals(options.ApiKey, DeveloperPortalOptions.DevelopmentApiKey, StringComparison.Ordinal))
        {
            yield return StillDevelopmentDefault($"{DeveloperPortalOptions.SectionName}:{nameof(DeveloperPortalOptions.ApiKey)}");
        }

        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
        {
            yield return $"{DeveloperPortalOptions.SectionName}:{nameof(DeveloperPortalOptions.BaseUrl)} must be an https URL "
                + "outside the Development environment: the portal key travels with every request.";
        }
    }
}
