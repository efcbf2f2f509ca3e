using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Payments.PortalSimulator.Faults;
using Payments.PortalSimulator.Transactions;

namespace Payments.PortalSimulator.Portal;

/// <summary>Marks the portal API endpoint, so that request statistics count it and nothing else.</summary>
internal sealed class PortalApiEndpoint;

internal static partial class PortalApi
{
    public const string TransactionIdRouteKey = "transactionId";
    public const string Chain = "worldchain";
    private static readonly HashSet<string> KnownQueryParameters = new(StringComparer.Ordinal) { "app_id", "type" };

    public static bool IsValidTransactionId(string transactionId) => TransactionIdPattern().IsMatch(transactionId);

    public static IServiceCollection AddPortalApi(this IServiceCollection services)
    {
        services.AddOptions<SimulatorOptions>()
            .BindConfiguration(SimulatorOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapPortalApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet($"/api/v2/minikit/transaction/{{{TransactionIdRouteKey}}}", GetTransaction)
            .WithMetadata(new PortalApiEndpoint())
            .AddEndpointFilter(FaultEndpoints.ApplyFaultAsync)
            .AddEndpointFilter(RequireBearerKeyAsync);
        return endpoints;
    }

    private static IResult GetTransaction(
        string transactionId,
        HttpRequest request,
        TransactionStore store,
        TimeProvider timeProvider,
        IOptions<SimulatorOptions> options)
    {
        if (!IsValidTransactionId(transactionId))
        {
            return BadRequest("transaction_id must be 0x followed by 64 lowercase hex digits", "transaction_id");
        }

        foreach (var key in request.Query.Keys)
        {
            if (!KnownQueryParameters.Contains(key))
            {
                return BadRequest($"unknown query parameter '{key}'", key);
            }
        }

        var appId = request.Query["app_id"].ToString();
        if (string.IsNullOrWhiteSpace(appId))
        {
            return BadRequest("app_id is required", "app_id");
        }

        var type = request.Query["type"].ToString();
        if (type.Length > 0 && type is not ("payment" or "transaction"))
        {
            return BadRequest("type must be payment or transaction", "type");
        }

        // A registered transaction still in its notFoundPolls answers exactly as an unknown one.
        if (store.Find(transactionId) is not { } transaction || transaction.Observe(timeProvider.GetUtcNow()) is not { } view)
        {
            return Results.Json(new { code = "not_found" }, statusCode: StatusCodes.Status404NotFound);
        }

        var timestamp = transaction.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return options.Value.CamelCase
            ? Results.Json(new CamelCaseTransaction(
                transaction.TransactionId,
                view.TransactionHash,
                view.Status,
                transaction.Reference,
                appId,
                timestamp,
                Chain,
                transaction.From,
                transaction.To,
                transaction.Token,
                transaction.TokenAmount))
            : Results.Json(new SnakeCaseTransaction(
                transaction.TransactionId,
                view.TransactionHash,
                view.Status,
                transaction.Reference,
                transaction.From,
                Chain,
                timestamp,
                transaction.TokenAmount,
                transaction.Token,
                transaction.To,
                appId));
    }

    private static async ValueTask<object?> RequireBearerKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = http.RequestServices.GetRequiredService<IOptions<SimulatorOptions>>().Value.ApiKey;
        var header = http.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        var presented = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
        if (presented is null
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Json(
                new PortalError("unauthorized", "a valid API key is required", null),
                statusCode: StatusCodes.Status401Unauthorized);
        }

        return await next(context);
    }

    private static IResult BadRequest(string detail, string attribute) =>
        Results.Json(new PortalError("invalid_request", detail, attribute), statusCode: StatusCodes.Status400BadRequest);

    // \z, not $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^0x[a-f0-9]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TransactionIdPattern();
}
