using MassTransit;
using Microsoft.AspNetCore.Mvc;
using Payments.Api.Auth;
using Payments.Api.Validation;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Webhooks;

/// <summary>
/// Operators' view of webhook deliveries: which events are undelivered (or pending, or delivered), and a re-send of any
/// event with a fresh retry budget.
/// </summary>
internal static class WebhookAdminEndpoints
{
    public const string DefaultStatus = WebhookDeliveryStatuses.Undelivered;

    private const string Tag = "Webhooks";
    private const string LoggerName = "Payments.Api.Webhooks";

    public static IHostApplicationBuilder AddWebhookAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IWebhookEventReader, EfWebhookEventReader>();
        return builder;
    }

    public static WebApplication MapWebhookAdmin(this WebApplication app)
    {
        var admin = app.MapGroup("/api/admin/webhooks")
            .RequireAuthorization(ApiKeyDefaults.AdminPolicy)
            .WithTags(Tag);

        var list = admin.MapGet("", ListAsync)
            .WithName("ListWebhookEvents")
            .WithSummary("Webhook events of every client in one delivery status (undelivered by default), oldest first, paged.")
            .Produces<WebhookEventPage>()
            .ProducesValidationProblem();
        ListQuery.DescribesListParameters(list, WebhookDeliveryStatuses.All, DefaultStatus, "events");

        admin.MapPost("/{eventId}/resend", ResendAsync)
            .WithName("ResendWebhookEvent")
            .WithSummary("Delivers a stored webhook event again, with a fresh retry budget.")
            .Produces<WebhookResendResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> ListAsync(
        HttpContext context,
        [FromServices] IWebhookEventReader reader,
        CancellationToken cancellationToken)
    {
        var (query, errors) = ListQuery.Validate(context.Request.Query, WebhookDeliveryStatuses.All, DefaultStatus);
        if (query is null)
        {
            return Problems.Validation(errors);
        }

        // One row more than the page: whether it exists says whether there is a next page.
        var events = await reader.ListAsync(query.Status, query.After, query.Limit + 1, cancellationToken);
        var items = events.Take(query.Limit).Select(WebhookEventSummary.From).ToList();
        var nextCursor = events.Count > query.Limit
            ? PageCursor.Encode(new ListPosition(events[query.Limit - 1].CreatedAt, events[query.Limit - 1].Id))
            : null;
        return TypedResults.Ok(new WebhookEventPage(items, nextCursor));
    }

    private static async Task<IResult> ResendAsync(
        string eventId,
        [FromServices] IWebhookEventReader reader,
        [FromServices] IPublishEndpoint publisher,
        [FromServices] PublishDeadline deadline,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!Guid.TryParseExact(eventId, "D", out var id) || !string.Equals(id.ToString("D"), eventId, StringComparison.Ordinal))
        {
            return Problems.Validation("eventId", "eventId must be an event id as the events carry it (lower-case, with hyphens).");
        }

        if (await reader.FindAsync(id, cancellationToken) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Webhook event not found.",
                detail: $"No webhook event has the id {eventId}.");
        }

        // Past the deadline: 503 from the exception handler (ApiHostingExtensions).
        await deadline.RunAsync(token => publisher.Publish(new ResendWebhook(id), token), cancellationToken);
        Log.WebhookResendRequested(loggers.CreateLogger(LoggerName), id);
        return TypedResults.Accepted((string?)null, new WebhookResendResponse(id, "accepted"));
    }
}

internal sealed record WebhookEventPage(IReadOnlyList<WebhookEventSummary> Items, string? NextCursor);

internal sealed record WebhookEventSummary(
    Guid EventId,
    string ClientId,
    string Reference,
    string Type,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    int? LastStatusCode,
    string? LastError)
{
    public static WebhookEventSummary From(WebhookEvent e) =>
        new(e.Id, e.ClientId, e.PaymentId.ToString("N"), e.Type, e.Status, e.Attempts, e.CreatedAt, e.LastAttemptAt, e.DeliveredAt,
            e.LastStatusCode, e.LastError);
}

internal sealed record WebhookResendResponse(Guid EventId, string Status);
