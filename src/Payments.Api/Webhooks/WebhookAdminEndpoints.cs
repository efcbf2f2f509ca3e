using System.Buffers.Text;
using System.Globalization;
using System.Text;
using MassTransit;
using Microsoft.AspNetCore.Mvc;
using Payments.Api.Auth;
using Payments.Api.Validation;
using Payments.Contracts;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Webhooks;

/// <summary>
/// Operators' view of webhook deliveries: which events are undelivered (or pending, or delivered), and a re-send of any
/// event with a fresh retry budget.
/// </summary>
internal static class WebhookAdminEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

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

        admin.MapGet("", ListAsync)
            .WithName("ListWebhookEvents")
            .WithSummary("Webhook events of every client in one delivery status (undelivered by default), oldest first, paged.")
            .Produces<WebhookEventPage>()
            .ProducesValidationProblem();

        admin.MapPost("/{eventId}/resend", ResendAsync)
            .WithName("ResendWebhookEvent")
            .WithSummary("Delivers a stored webhook event again, with a fresh retry budget.")
            .Produces<WebhookResendResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> ListAsync(
        [FromQuery] string? status,
        [FromQuery] string? limit,
        [FromQuery] string? after,
        [FromServices] IWebhookEventReader reader,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        status ??= WebhookDeliveryStatuses.Undelivered;
        if (!WebhookDeliveryStatuses.All.Contains(status, StringComparer.Ordinal))
        {
            errors["status"] = [$"status must be one of {string.Join(", ", WebhookDeliveryStatuses.All)}."];
        }

        var pageSize = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."];
        }

        (DateTimeOffset, Guid)? position = null;
        if (after is not null)
        {
            if (TryReadCursor(after, out var cursor))
            {
                position = cursor;
            }
            else
            {
                errors["after"] = ["after must be a nextCursor of a previous page."];
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var events = await reader.ListAsync(status, position, pageSize + 1, cancellationToken);
        var items = events.Take(pageSize).Select(WebhookEventSummary.From).ToList();
        var nextCursor = events.Count > pageSize ? Cursor(events[pageSize - 1]) : null;
        return TypedResults.Ok(new WebhookEventPage(items, nextCursor));
    }

    private static async Task<IResult> ResendAsync(
        string eventId,
        [FromServices] IWebhookEventReader reader,
        [FromServices] IPublishEndpoint publisher,
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

        await publisher.Publish(new ResendWebhook(id), cancellationToken);
        Log.WebhookResendRequested(loggers.CreateLogger(LoggerName), id);
        return TypedResults.Accepted((string?)null, new WebhookResendResponse(id, "accepted"));
    }

    // The position of the last item: its creation time in ticks and its id, base64url, so a client cannot mistake it for data.
    private static string Cursor(WebhookEvent last) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{last.CreatedAt.UtcTicks}:{last.Id:N}")));

    private static bool TryReadCursor(string text, out (DateTimeOffset, Guid) position)
    {
        position = default;
        if (text.Length > 128 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text)).Split(':');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return false;
        }

        position = (new DateTimeOffset(ticks, TimeSpan.Zero), id);
        return true;
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
