using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.Api.Auth;

internal static class ApiKeyExtensions
{
    /// <summary>
    /// X-Api-Key for client routes, X-Admin-Key for /api/admin routes. A route without an authorization choice of its own
    /// falls back to the client policy: a new route is closed until it says otherwise (<c>AllowAnonymous</c> or a policy).
    /// The OpenAPI document is open in Development and otherwise needs the admin key.
    /// </summary>
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

        var client = new AuthorizationPolicyBuilder(ApiKeyDefaults.ClientScheme).RequireAuthenticatedUser().Build();
        var admin = new AuthorizationPolicyBuilder(ApiKeyDefaults.AdminScheme).RequireAuthenticatedUser().Build();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.ClientPolicy, client)
            .AddPolicy(ApiKeyDefaults.AdminPolicy, admin)
            .AddPolicy(ApiKeyDefaults.OpenApiPolicy, builder.Environment.IsDevelopment()
                ? new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build()
                : admin)
            .SetFallbackPolicy(client);
        return builder;
    }
}
