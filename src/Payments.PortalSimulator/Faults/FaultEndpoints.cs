using System.Globalization;
using Payments.PortalSimulator.Stats;

namespace Payments.PortalSimulator.Faults;

internal static class FaultEndpoints
{
    // Truncated JSON with the right content type: what a proxy cutting a response short looks like.
    private const string GarbageBody = "{\"transaction_id\":\"0x";

    public static IServiceCollection AddFaultInjection(this IServiceCollection services) =>
        services.AddSingleton<FaultInjector>();

    public static IEndpointRouteBuilder MapFaultEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/_sim/faults", (FaultInjector faults) => Results.Ok(faults.Current));
        endpoints.MapPut("/_sim/faults", (FaultRequest request, FaultInjector faults, ILoggerFactory loggerFactory) =>
        {
            var errors = Validate(request);
            if (errors.Count > 0)
            {
                return Results.ValidationProblem(errors);
            }

            var settings = FaultSettings.From(request);
            faults.Set(settings);
            Log.FaultModeChanged(loggerFactory.CreateLogger(typeof(FaultEndpoints).FullName!), settings.Mode);
            return Results.Ok(settings);
        });
        return endpoints;
    }

    /// <summary>Endpoint filter for the portal API: applies the active fault before authentication and validation,
    /// as a failing load balancer or gateway in front of the portal would.</summary>
    public static async ValueTask<object?> ApplyFaultAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var decision = http.RequestServices.GetRequiredService<FaultInjector>().Decide();
        var settings = decision.Settings;
        switch (decision.Action)
        {
            case FaultAction.Abort:
                http.RequestServices.GetRequiredService<RequestStats>().RecordAborted(http);
                http.Abort();
                return Results.Empty;
            case FaultAction.Error:
                return Results.Json(new { code = "internal_error", detail = "simulated portal failure" }, statusCode: settings.Status);
            case FaultAction.RateLimit:
                http.Response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return Results.Json(new { code = "rate_limited", detail = "too many requests" }, statusCode: StatusCodes.Status429TooManyRequests);
            case FaultAction.Garbage:
                return Results.Text(GarbageBody, "application/json", statusCode: StatusCodes.Status200OK);
            case FaultAction.Delay:
                var timeProvider = http.RequestServices.GetRequiredService<TimeProvider>();
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(settings.DelayMs), timeProvider, http.RequestAborted);
                }
                catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
                {
                    // The caller gave up (its own timeout): nobody is left to answer.
                    return Results.Empty;
                }

                return await next(context);
            default:
                return await next(context);
        }
    }

    private static Dictionary<string, string[]> Validate(FaultRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.Mode is null || !FaultModes.All.Contains(request.Mode))
        {
            errors["mode"] = ["one of none, down, error, slow, ratelimit, garbage, flaky"];
        }

        if (request.Status is not (null or 0 or (>= 400 and <= 599)))
        {
            errors["status"] = ["an HTTP error status, 400 to 599"];
        }

        if (request.DelayMs < 0)
        {
            errors["delayMs"] = ["must be 0 or more"];
        }

        if (request.RetryAfterSeconds < 0)
        {
            errors["retryAfterSeconds"] = ["must be 0 or more"];
        }

        if (request.FailureRate is < 0 or > 1 || (request.FailureRate is { } rate && double.IsNaN(rate)))
        {
            errors["failureRate"] = ["between 0 and 1"];
        }

        return errors;
    }
}
