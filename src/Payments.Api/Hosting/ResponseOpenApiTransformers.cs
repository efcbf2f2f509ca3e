using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Payments.Api.Hosting;

/// <summary>A response header an endpoint sends with one of its statuses, for the OpenAPI document.</summary>
internal sealed record ProducesResponseHeaderMetadata(int StatusCode, string Name, string Description, bool Required, JsonSchemaType Type);

/// <summary>
/// What endpoint metadata cannot say about responses: their headers, and the answers every key-protected route shares
/// (401 from authentication, 429 from the rate limiter, which run before any endpoint and so are not in its metadata).
/// </summary>
internal static class ResponseOpenApiTransformers
{
    public const string RetryAfterHeader = "Retry-After";
    public const string LocationHeader = "Location";

    private const string ProblemContentType = "application/problem+json";
    private const string HealthChecksDisplayName = "Health checks";
    private const string HealthTag = "Health";

    /// <summary>Documents <paramref name="name"/> on the <paramref name="statusCode"/> response of the endpoint.</summary>
    public static TBuilder ProducesHeader<TBuilder>(
        this TBuilder builder, int statusCode, string name, string description, bool required = true, JsonSchemaType type = JsonSchemaType.String)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ProducesResponseHeaderMetadata(statusCode, name, description, required, type));

    public static OpenApiOptions AddResponseContract(this OpenApiOptions options)
    {
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            operation.Responses ??= [];
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                var problem = await ProblemSchemaAsync(context, cancellationToken);
                operation.Responses.TryAdd("401", ProblemResponse("A missing or wrong key.", problem));
                var throttled = ProblemResponse("The client's rate limit is exceeded.", problem);
                throttled.Headers = new Dictionary<string, IOpenApiHeader>
                {
                    [RetryAfterHeader] = Header("Seconds to wait before the next request.", required: true, JsonSchemaType.Integer),
                };
                operation.Responses.TryAdd("429", throttled);
            }

            foreach (var header in metadata.OfType<ProducesResponseHeaderMetadata>())
            {
                if (operation.Responses.TryGetValue(header.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response)
                    && response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers[header.Name] = Header(header.Description, header.Required, header.Type);
                }
            }
        });

        options.AddDocumentTransformer((document, context, _) =>
        {
            // Health checks are plain endpoints, not route handlers, so the API explorer does not see them.
            var health = context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints
                .OfType<RouteEndpoint>()
                .Where(e => e.DisplayName == HealthChecksDisplayName && e.Metadata.GetMetadata<IHostMetadata>() is not { Hosts.Count: > 0 })
                .Select(e => "/" + e.RoutePattern.RawText?.TrimStart('/'));
            foreach (var path in health)
            {
                document.Paths ??= [];
                document.Tags ??= new HashSet<OpenApiTag>();
                document.Tags.Add(new OpenApiTag { Name = HealthTag });
                document.Paths.TryAdd(path, new OpenApiPathItem
                {
                    Operations = new Dictionary<HttpMethod, OpenApiOperation>
                    {
                        [HttpMethod.Get] = new()
                        {
                            Tags = new HashSet<OpenApiTagReference> { new(HealthTag, document) },
                            OperationId = "Health" + string.Concat(path.Split('/').Last() is { Length: > 0 } last ? char.ToUpperInvariant(last[0]) + last[1..] : ""),
                            Summary = "Health of the API and the services it needs.",
                            Responses = new OpenApiResponses
                            {
                                ["200"] = HealthResponse("Healthy or Degraded."),
                                ["503"] = HealthResponse("Unhealthy: a check failed (a route without checks never answers it)."),
                            },
                        },
                    },
                });
            }

            return Task.CompletedTask;
        });

        options.AddSchemaTransformer((schema, context, _) =>
        {
            // Every problem the API writes goes through IProblemDetailsService, which adds the request's trace id.
            if (typeof(ProblemDetails).IsAssignableFrom(context.JsonTypeInfo.Type))
            {
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties.TryAdd("traceId", new OpenApiSchema { Type = JsonSchemaType.String });
            }

            // The API's own documents have exactly the properties of their records: say so, so that a validating proxy or a
            // contract test notices a property the document does not describe.
            if (context.JsonTypeInfo is { Kind: System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object, Type.Namespace: { } ns }
                && ns.StartsWith("Payments.", StringComparison.Ordinal))
            {
                schema.AdditionalPropertiesAllowed = false;
            }

            // The web serializer defaults read numbers from strings too, so integers are documented as "integer or numeric
            // string". The API writes numbers as numbers and reads no number through the serializer (request bodies are
            // read by hand and hold strings only): what a client receives is an integer.
            if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Integer) && type.HasFlag(JsonSchemaType.String))
            {
                schema.Type = type & ~JsonSchemaType.String;
                schema.Pattern = null;
            }

            return Task.CompletedTask;
        });
        return options;
    }

    private static async Task<IOpenApiSchema> ProblemSchemaAsync(OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        const string Id = nameof(ProblemDetails);
        if (context.Document?.Components?.Schemas?.ContainsKey(Id) != true)
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
            context.Document?.AddComponent(Id, schema);
        }

        return new OpenApiSchemaReference(Id, context.Document);
    }

    private static OpenApiResponse HealthResponse(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["text/plain"] = new()
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("Healthy"), JsonValue.Create("Degraded"), JsonValue.Create("Unhealthy")] },
            },
        },
    };

    private static OpenApiResponse ProblemResponse(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { [ProblemContentType] = new() { Schema = schema } },
    };

    private static OpenApiHeader Header(string description, bool required, JsonSchemaType type) => new()
    {
        Description = description,
        Required = required,
        Schema = new OpenApiSchema { Type = type },
    };
}
