using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Payments.Api.Validation;
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

    /// <summary>The listing's query parameters (see <see cref="ListQuery"/>).</summary>
    public static RouteHandlerBuilder DescribesListParameters(this RouteHandlerBuilder builder) =>
        ListQuery.DescribesListParameters(builder, PaymentStatuses.All, ReviewValidation.DefaultStatus, "intents");
}
