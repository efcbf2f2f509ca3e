using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Payments.PortalSimulator.Portal;

namespace Payments.PortalSimulator.Webhooks;

/// <summary>
/// A webhook receiver standing in for clients' endpoints: <c>POST /_sim/webhooks[/{name}]</c> takes signed events,
/// <c>PUT .../faults</c> makes an endpoint fail or hang, <c>GET</c> shows what arrived, <c>DELETE /_sim/webhooks</c> clears.
/// Like every <c>/_sim</c> route the control routes need no key; the receiver trusts the signature only.
/// </summary>
internal static partial class WebhookEndpoints
{
    public const int MaxBodyBytes = 256 * 1024;
    public const string EventIdHeader = "Payments-Event-Id";
    public const string EventTypeHeader = "Payments-Event-Type";

    // Longer values are not the contract's ids, types or references: recorded in the body only, neither counted nor logged.
    private const int MaxFieldLength = 256;
    private const string NameRule = "1 to 32 lowercase letters, digits or '-'";

    public static IServiceCollection AddWebhookReceiver(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(SimulatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<WebhookReceiver>();
        services.AddSingleton<WebhookSignatureVerifier>();
        services.AddHostedService<WebhookSecretCheck>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var webhooks = endpoints.MapGroup("/_sim/webhooks");
        webhooks.MapPost("", (HttpContext http, WebhookReceiver receiver, WebhookSignatureVerifier verifier, TimeProvider timeProvider, ILoggerFactory loggerFactory) =>
            ReceiveAsync(WebhookReceiver.DefaultEndpoint, http, receiver, verifier, timeProvider, Logger(loggerFactory)));
        webhooks.MapPost("/{name}", (string name, HttpContext http, WebhookReceiver receiver, WebhookSignatureVerifier verifier, TimeProvider timeProvider, ILoggerFactory loggerFactory) =>
            ReceiveAsync(name, http, receiver, verifier, timeProvider, Logger(loggerFactory)));
        webhooks.MapPut("/faults", (WebhookFaultRequest request, WebhookReceiver receiver, ILoggerFactory loggerFactory) =>
            SetFaults(WebhookReceiver.DefaultEndpoint, request, receiver, loggerFactory));
        webhooks.MapPut("/{name}/faults", (string name, WebhookFaultRequest request, WebhookReceiver receiver, ILoggerFactory loggerFactory) =>
            SetFaults(name, request, receiver, loggerFactory));
        webhooks.MapGet("", (string? eventId, WebhookReceiver receiver) =>
            Results.Ok(receiver.Snapshot(WebhookReceiver.DefaultEndpoint, eventId)));
        webhooks.MapGet("/{name}", (string name, string? eventId, WebhookReceiver receiver) =>
            IsValidName(name) ? Results.Ok(receiver.Snapshot(name, eventId)) : InvalidName());
        webhooks.MapDelete("", (WebhookReceiver receiver, ILoggerFactory loggerFactory) =>
        {
            receiver.Clear();
            Log.WebhooksCleared(Logger(loggerFactory));
            return Results.NoContent();
        });
        return endpoints;
    }

    private static async Task<IResult> ReceiveAsync(
        string name,
        HttpContext http,
        WebhookReceiver receiver,
        WebhookSignatureVerifier verifier,
        TimeProvider timeProvider,
        ILogger logger)
    {
        if (!IsValidName(name))
        {
            return InvalidName();
        }

        var aborted = http.RequestAborted;

        byte[]? body;
        try
        {
            body = await ReadBodyAsync(http.Request, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return Results.Empty;
        }

        if (body is null)
        {
            Log.WebhookTooLarge(logger, name, MaxBodyBytes);
            return Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Webhook body too large",
                detail: $"a webhook body is at most {MaxBodyBytes} bytes");
        }

        var signature = http.Request.Headers[WebhookSignatureVerifier.HeaderName].ToString();
        var check = verifier.Verify(signature, body);
        var (eventId, type, reference) = ReadEvent(body, http.Request.Headers);
        var endpoint = receiver.GetOrAdd(name);
        var faults = endpoint.Faults;

        // The wait starts before the delivery is recorded, so that whoever sees the delivery knows the wait has begun
        // (a test advancing a fake clock relies on it).
        var hang = faults.Mode == WebhookFaultModes.Hang
            ? Task.Delay(TimeSpan.FromMilliseconds(faults.DelayMs), timeProvider, aborted)
            : Task.CompletedTask;
        var delivery = new WebhookDelivery(
            eventId,
            type,
            reference,
            timeProvider.GetUtcNow(),
            check.Valid,
            signature.Length > 0 ? signature : null,
            Encoding.UTF8.GetString(body));
        endpoint.Record(delivery);

        if (faults.Mode == WebhookFaultModes.Fail)
        {
            return Answer(endpoint, delivery, logger, name, check, faults.Status, FailureResult(faults.Status));
        }

        try
        {
            await hang;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The sender gave up (its own timeout): recorded as aborted, and nobody is left to answer.
            return Answer(endpoint, delivery, logger, name, check, 0, Results.Empty);
        }

        return check.Valid
            ? Answer(endpoint, delivery, logger, name, check, StatusCodes.Status200OK, Results.Ok(new { received = true }))
            : Answer(endpoint, delivery, logger, name, check, StatusCodes.Status400BadRequest, Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid webhook signature",
                detail: check.Failure));
    }

    // Recorded before the answer goes out, so that a sender reading the records after its answer always finds it.
    private static IResult Answer(
        WebhookEndpointState endpoint,
        WebhookDelivery delivery,
        ILogger logger,
        string name,
        SignatureCheck check,
        int status,
        IResult result)
    {
        endpoint.Answer(delivery, status);
        Log.WebhookReceived(logger, delivery.EventId, delivery.Type, name, status, check.Failure ?? "valid");
        return result;
    }

    private static IResult FailureResult(int status) =>
        // These statuses carry no body.
        status is < 200 or StatusCodes.Status204NoContent or StatusCodes.Status304NotModified
            ? Results.StatusCode(status)
            : Results.Json(new { received = false, error = "simulated endpoint failure" }, statusCode: status);

    private static IResult SetFaults(string name, WebhookFaultRequest request, WebhookReceiver receiver, ILoggerFactory loggerFactory)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!IsValidName(name))
        {
            errors["name"] = [NameRule];
        }

        if (request.Mode is null || !WebhookFaultModes.All.Contains(request.Mode))
        {
            errors["mode"] = ["one of none, fail, hang"];
        }

        if (request.Status is < 100 or > 599)
        {
            errors["status"] = ["an HTTP status, 100 to 599"];
        }

        if (request.DelayMs is < 0 or > WebhookFaultSettings.MaxDelayMs)
        {
            errors["delayMs"] = ["0 to 600000"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var settings = WebhookFaultSettings.From(request);
        receiver.GetOrAdd(name).Faults = settings;
        Log.WebhookFaultModeChanged(Logger(loggerFactory), name, settings.Mode, settings.Status, settings.DelayMs);
        return Results.Ok(settings);
    }

    /// <summary>The whole body, or null when it is longer than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + read > MaxBodyBytes)
            {
                return null;
            }

            body.Write(buffer, 0, read);
        }

        return body.ToArray();
    }

    // The body's fields when it is the contract's JSON object; the headers' otherwise (a tampered or truncated body is
    // recorded all the same).
    private static (string? EventId, string? Type, string? Reference) ReadEvent(byte[] body, IHeaderDictionary headers)
    {
        string? eventId = null, type = null, reference = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                eventId = StringProperty(document.RootElement, "id");
                type = StringProperty(document.RootElement, "type");
                reference = StringProperty(document.RootElement, "reference");
            }
        }
        catch (JsonException)
        {
        }

        return (eventId ?? Field(headers[EventIdHeader].ToString()), type ?? Field(headers[EventTypeHeader].ToString()), reference);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Field(value.GetString()) : null;

    private static string? Field(string? value) => string.IsNullOrEmpty(value) || value.Length > MaxFieldLength ? null : value;

    private static bool IsValidName(string name) => EndpointName().IsMatch(name);

    private static IResult InvalidName() =>
        Results.ValidationProblem(new Dictionary<string, string[]>(StringComparer.Ordinal) { ["name"] = [NameRule] });

    private static ILogger Logger(ILoggerFactory loggerFactory) => loggerFactory.CreateLogger(typeof(WebhookEndpoints).FullName!);

    // \z, not $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^[a-z0-9-]{1,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex EndpointName();
}
