using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.Api.Auth;

internal static class ApiKeyExtensions
{
    /// <summary>X-Api-Key for client routes, X-Admin-Key for /api/admin routes; routes opt in through the policies.</summary>
    public static IHostApplicationBuilder AddApiKeyAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>()
            .BindConfiguration(ApiKeyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiKeyOptions>, ApiKeyDevelopmentGuard>());
        builder.Services.AddSingleton<ApiKeyTable>();

        builder.Services.AddAuthentication()
            .AddScheme<ApiKeySchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.ClientScheme, options =>
            {
                options.HeaderName = ApiKeyDefaults.ClientHeader;
            })
            .AddScheme<ApiKeySchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.AdminScheme, options =>
            {
                options.HeaderName = ApiKeyDefaults.AdminHeader;
                options.Admin = true;
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.ClientPolicy, new AuthorizationPolicyBuilder(ApiKeyDefaults.ClientScheme).RequireAuthenticatedUser().Build())
            .AddPolicy(ApiKeyDefaults.AdminPolicy, new AuthorizationPolicyBuilder(ApiKeyDefaults.AdminScheme).RequireAuthenticatedUser().Build());
        return builder;
    }
}
