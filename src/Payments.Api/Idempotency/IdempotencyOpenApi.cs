using Microsoft.OpenApi;
using Payments.Api.Hosting;

namespace Payments.Api.Idempotency;

internal static class IdempotencyOpenApi
{
    /// <summary>
    /// Documents the optional <c>Idempotency-Key</c> request header and the <c>Idempotent-Replayed</c> header of a replayed
    /// 201. Neither is a bound parameter (the endpoint reads the header itself, to tell a repeated header from a bad one), so
    /// the document learns of them here.
    /// </summary>
    public static RouteHandlerBuilder AcceptsIdempotencyKey(this RouteHandlerBuilder builder) =>
        builder
            .ProducesHeader(StatusCodes.Status201Created, IdempotencyRequest.ReplayedHeader,
                "`true` when the answer is the stored answer to an earlier request with the same Idempotency-Key and body.",
                required: false)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = IdempotencyRequest.Header,
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Makes a retry safe: the same key and body within 24 h answer with the first answer; the same key with another body answers 422.",
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        MinLength = 1,
                        MaxLength = IdempotencyDbContext.KeyLength,
                        Pattern = "^[\\x20-\\x7E]+$",
                    },
                });
                return Task.CompletedTask;
            });
}
