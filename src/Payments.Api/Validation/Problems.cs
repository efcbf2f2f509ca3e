namespace Payments.Api.Validation;

/// <summary>The problem documents the API answers with; one place so every error has the same shape.</summary>
internal static class Problems
{
    public static IResult Validation(string field, string message, int statusCode = StatusCodes.Status400BadRequest) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] }, statusCode);

    public static IResult Validation(IDictionary<string, string[]> errors, int statusCode = StatusCodes.Status400BadRequest) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors) { Status = statusCode, Title = Title(statusCode) });

    /// <summary>A <c>{reference}</c> path parameter that is not a reference: 400 rather than 404, the client's mistake is its shape.</summary>
    public static IResult InvalidReference() =>
        Validation("reference", "reference must be 32 lower-case hex digits.");

    /// <summary>A body that is not JSON, for an endpoint that checks the content type itself (as routing answers for the others).</summary>
    public static IResult UnsupportedMediaType() =>
        TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, detail: "The request body must be application/json.");

    public static IResult NotFound(string reference) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Payment not found.",
            detail: $"No payment intent has the reference {reference}.");

    public static IResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict.", detail: detail);

    /// <summary>An <c>Idempotency-Key</c> used again with another request: 422, as Stripe answers.</summary>
    public static IResult IdempotencyKeyReused() =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency-Key reused.",
            detail: "This Idempotency-Key was used with a different request within its retention. Use a new key for a new payment.");

    /// <summary>
    /// A 503 with <c>Retry-After</c>: the broker or the saga did not answer in time, or the database cannot be reached, and
    /// coming back later is the answer.
    /// </summary>
    public static IResult Unavailable(HttpContext context, int retryAfterSeconds, string title, string detail)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
    }

    private static string Title(int statusCode) => statusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
        StatusCodes.Status408RequestTimeout => "The request body was not received in time.",
        _ => "One or more validation errors occurred.",
    };
}
