using Microsoft.AspNetCore.OpenApi;

namespace Payments.Api.Payments;

internal static class PaymentOpenApi
{
    /// <summary>
    /// Marks the request bodies closed (<c>additionalProperties: false</c>) in the OpenAPI document: the endpoints refuse any
    /// property outside the contract, and a client generated from the document should know before it sends one.
    /// </summary>
    public static OpenApiOptions AddClosedRequestSchemas(this OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo.Type;
            if (type == typeof(CreatePaymentRequest) || type == typeof(SubmitTransactionRequest))
            {
                schema.AdditionalPropertiesAllowed = false;
            }

            return Task.CompletedTask;
        });
        return options;
    }
}
