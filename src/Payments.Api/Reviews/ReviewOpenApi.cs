using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Payments.Contracts;

namespace Payments.Api.Reviews;

internal static class ReviewOpenApi
{
    /// <summary>
    /// The resolution body in the document: closed to other properties like the other request bodies, with the resolutions
    /// it takes and the note's length.
    /// </summary>
    public static OpenApiOptions AddReviewSchemas(this OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type != typeof(ResolvePaymentRequest))
            {
                return Task.CompletedTask;
            }

            schema.AdditionalPropertiesAllowed = false;
            if (schema.Properties?.TryGetValue("resolution", out var resolutionProperty) == true && resolutionProperty is OpenApiSchema resolution)
            {
                resolution.Enum = [.. Resolutions.All.Select(r => (JsonNode)JsonValue.Create(r))];
            }

            if (schema.Properties?.TryGetValue("note", out var noteProperty) == true && noteProperty is OpenApiSchema note)
            {
                note.MinLength = 1;
                note.MaxLength = ReviewValidation.MaxNoteLength;
                note.Description = "Why the operator settles the payment so; kept trimmed as resolutionNote. No control characters.";
            }

            return Task.CompletedTask;
        });
        return options;
    }

    /// <summary>
    /// The resolution body, as <c>Accepts</c> would document it. The endpoint checks the content type itself (see
    /// <see cref="ReviewEndpoints"/>), so the document learns of the body here.
    /// </summary>
    public static RouteHandlerBuilder DescribesResolutionBody(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var id = nameof(ResolvePaymentRequest);
            if (context.Document?.Components?.Schemas?.ContainsKey(id) != true)
            {
                var schema = await context.GetOrCreateSchemaAsync(typeof(ResolvePaymentRequest), null, cancellationToken);
                context.Document?.AddComponent(id, schema);
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(id, context.Document) },
                },
            };
        });

    /// <summary>
    /// The listing's query parameters. The endpoint reads the query itself (to refuse a repeated or unknown parameter with a
    /// problem naming it), so the document learns of them here.
    /// </summary>
    public static RouteHandlerBuilder DescribesListParameters(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ReviewValidation.StatusParameter,
                In = ParameterLocation.Query,
                Required = false,
                Description = "The status listed.",
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. PaymentStatuses.All.Select(s => (JsonNode)JsonValue.Create(s))],
                    Default = JsonValue.Create(ReviewValidation.DefaultStatus),
                },
            });
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ReviewValidation.LimitParameter,
                In = ParameterLocation.Query,
                Required = false,
                Description = "The most intents on one page.",
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Minimum = "1",
                    Maximum = ReviewValidation.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Default = JsonValue.Create(ReviewValidation.DefaultLimit),
                },
            });
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = ReviewValidation.AfterParameter,
                In = ParameterLocation.Query,
                Required = false,
                Description = "The nextCursor of the previous page; without it the listing starts with the oldest intent.",
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = $"^[A-Za-z0-9_-]{{{ReviewCursor.Length}}}$",
                },
            });
            return Task.CompletedTask;
        });
}
