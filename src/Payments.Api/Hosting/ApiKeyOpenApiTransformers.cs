using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Payments.Api.Auth;

namespace Payments.Api.Hosting;

/// <summary>
/// Describes the key headers in the OpenAPI document: both schemes under components, and on each operation the one its
/// authorization policy requires (anonymous routes get none).
/// </summary>
internal static class ApiKeyOpenApiTransformers
{
    private static readonly Dictionary<string, (string Scheme, string Header)> PolicySchemes = new()
    {
        [ApiKeyDefaults.ClientPolicy] = (ApiKeyDefaults.ClientScheme, ApiKeyDefaults.ClientHeader),
        [ApiKeyDefaults.AdminPolicy] = (ApiKeyDefaults.AdminScheme, ApiKeyDefaults.AdminHeader),
    };

    public static OpenApiOptions AddApiKeySecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var (scheme, header) in PolicySchemes.Values)
            {
                document.AddComponent<IOpenApiSecurityScheme>(scheme, new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = header,
                });
            }

            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var policies = context.Description.ActionDescriptor.EndpointMetadata
                .OfType<IAuthorizeData>()
                .Select(data => data.Policy)
                .OfType<string>();
            foreach (var policy in policies)
            {
                if (PolicySchemes.TryGetValue(policy, out var scheme))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(scheme.Scheme, context.Document)] = [],
                    });
                }
            }

            return Task.CompletedTask;
        });
        return options;
    }
}
