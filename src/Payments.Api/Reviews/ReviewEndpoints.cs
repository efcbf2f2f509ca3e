using MassTransit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Payments.Api.Auth;
using Payments.Api.Hosting;
using Payments.Api.Payments;
using Payments.Api.Validation;
using Payments.Contracts;
using Payments.Infrastructure.Documents;
using Payments.Infrastructure.Messaging;

namespace Payments.Api.Reviews;

/// <summary>
/// The operators' side of reviews: list the intents of every client in a status, and settle one that waits in NeedsReview.
/// Behind the admin key; an intent of any client is in reach.
/// </summary>
internal static class ReviewEndpoints
{
    private const string LoggerName = "Payments.Api.Reviews";
    private const string Tag = "Reviews";

    public static IHostApplicationBuilder AddReviews(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReviewOptions>()
            .BindConfiguration(ReviewOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }

    public static WebApplication MapReviews(this WebApplication app)
    {
        var admin = app.MapGroup("/api/admin/payments")
            .RequireAuthorization(ApiKeyDefaults.AdminPolicy)
            .WithTags(Tag);

        admin.MapGet("", ListAsync)
            .WithName("ListPayments")
            .WithSummary("Lists the intents of every client in one status (NeedsReview unless told), oldest first, one page at a time.")
            .DescribesListParameters()
            .Produces<AdminPaymentPage>()
            .ProducesValidationProblem();

        admin.MapPost("/{reference}/resolve", ResolveAsync)
            .WithName("ResolvePayment")
            .WithSummary("Settles a NeedsReview intent of any client (confirm, fail or refunded, with the operator's note) and answers its status document.")
            .DescribesResolutionBody()
            .Produces<PaymentStatusDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesHeader(StatusCodes.Status503ServiceUnavailable, ResponseOpenApiTransformers.RetryAfterHeader,
                "Seconds to wait before reading the payment and, if it still waits, retrying.", type: JsonSchemaType.Integer);

        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext context,
        [FromServices] IPaymentReader reader,
        CancellationToken cancellationToken)
    {
        var (query, errors) = ListQuery.Validate(context.Request.Query, PaymentStatuses.All, ReviewValidation.DefaultStatus);
        if (query is null)
        {
            return Problems.Validation(errors);
        }

        // One row more than the page: whether it exists says whether there is a next page, without a page that comes back empty.
        var rows = await reader.ListByStatusAsync(query.Status, query.After, query.Limit + 1, cancellationToken);
        var page = rows.Take(query.Limit).ToList();
        var events = await reader.FindLatestWebhookEventsAsync([.. page.Select(p => p.CorrelationId)], cancellationToken);
        var items = page
            .Select(p => new AdminPaymentItem(p.ClientId, PaymentStatusDocument.From(p, events.GetValueOrDefault(p.CorrelationId))))
            .ToList();
        var nextCursor = rows.Count > query.Limit ? PageCursor.Encode(new ListPosition(page[^1].CreatedAt, page[^1].CorrelationId)) : null;
        return TypedResults.Ok(new AdminPaymentPage(items, nextCursor));
    }

    private static async Task<IResult> ResolveAsync(
        string reference,
        HttpContext context,
        [FromServices] IPaymentReader reader,
        [FromServices] IRequestClient<ResolvePayment> resolutions,
        [FromServices] PublishDeadline deadline,
        IOptions<ReviewOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        // Checked here rather than by Accepts metadata: when no endpoint takes the content type, routing answers with an
        // endpoint of its own, which carries no admin policy and so falls to the fallback (client key) policy: an operator
        // would get 401 for what is a 415.
        if (context.Request.ContentType is not null && !context.Request.HasJsonContentType())
        {
            return Problems.UnsupportedMediaType();
        }

        if (!PaymentValidation.TryParseReference(reference, out var paymentId))
        {
            return Problems.InvalidReference();
        }

        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, ReviewValidation.ResolveFields, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var resolution = ReviewValidation.ValidateResolution(body);
        if (resolution is null)
        {
            return Problems.Validation(body.Errors);
        }

        var payment = await reader.FindOfAnyClientAsync(paymentId, cancellationToken);
        if (payment is null)
        {
            return Problems.NotFound(reference);
        }

        var logger = loggers.CreateLogger(LoggerName);
        var client = payment.ClientId;

        // Cheap and clear, and it spares the saga a round trip for what is settled already (a second resolution, say). The
        // saga still decides: a verdict may have settled the intent since this read, and it answers for what it stored.
        if (payment.CurrentState != PaymentStatuses.NeedsReview)
        {
            Log.ResolutionRefused(logger, reference, client, resolution.Resolution, "api", payment.CurrentState);
            return Problems.Conflict($"The payment is {payment.CurrentState}: only a NeedsReview payment can be resolved.");
        }

        var settings = options.Value;
        Response<PaymentResolved, PaymentResolutionRefused> response;
        try
        {
            // The request's timeout bounds its send as well: the confirmation of a send can be lost with its connection.
            response = await deadline.RunAsync(
                token => resolutions.GetResponse<PaymentResolved, PaymentResolutionRefused>(
                    new ResolvePayment(paymentId, resolution.Resolution, resolution.Note),
                    token,
                    RequestTimeout.After(ms: (int)Math.Ceiling(settings.ResolveTimeout.TotalMilliseconds))),
                settings.ResolveTimeout,
                cancellationToken);
        }
        catch (Exception exception) when (exception is RequestException or PublishTimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // The saga may still apply the resolution once it gets to the command: the operator reads the payment before
            // trying again, and a repeat of an applied resolution is refused with 409.
            Log.ResolutionUnavailable(logger, reference, client, resolution.Resolution, exception is RequestException and not RequestTimeoutException ? "fault" : "timeout");
            return Unavailable(context, settings);
        }

        if (response.Is(out Response<PaymentResolutionRefused>? refused))
        {
            Log.ResolutionRefused(logger, reference, client, resolution.Resolution, "saga", refused.Message.Status);
            return Problems.Conflict(refused.Message.Reason);
        }

        response.Is(out Response<PaymentResolved>? resolved);
        Log.PaymentResolved(logger, reference, client, resolved!.Message.Resolution, resolved.Message.Status);

        // Read after the answer: the saga answers once the row is committed, so the document shows the resolution.
        var current = await reader.FindOfAnyClientAsync(paymentId, cancellationToken);
        if (current is null)
        {
            return Problems.NotFound(reference);
        }

        return TypedResults.Ok(PaymentStatusDocument.From(current, await reader.FindLatestWebhookEventAsync(paymentId, cancellationToken)));
    }

    private static IResult Unavailable(HttpContext context, ReviewOptions settings)
    {
        return Problems.Unavailable(
            context,
            settings.RetryAfterSeconds,
            title: "The payment could not be resolved right now.",
            detail: "The payment service did not answer in time. The resolution may still be applied: read the payment before retrying (a repeat of an applied resolution answers 409).");
    }
}
