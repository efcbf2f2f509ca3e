using Payments.PortalSimulator.Portal;

namespace Payments.PortalSimulator.Stats;

internal static class StatsEndpoints
{
    public static IServiceCollection AddRequestStats(this IServiceCollection services) =>
        services.AddSingleton<RequestStats>();

    public static IEndpointRouteBuilder MapStatsEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/_sim/stats", (RequestStats stats) => Results.Ok(stats.Snapshot()));
        return endpoints;
    }

    /// <summary>Counts every request routed to the portal API, whatever fault or validation answers it.</summary>
    public static IApplicationBuilder UseRequestStats(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<PortalApiEndpoint>() is null)
            {
                await next(context);
                return;
            }

            var stats = context.RequestServices.GetRequiredService<RequestStats>();
            stats.RecordArrival(context.GetRouteValue(PortalApi.TransactionIdRouteKey) as string);
            // Recorded as the headers go out, before the caller can see the answer.
            context.Response.OnStarting(() =>
            {
                stats.RecordStatus(context, context.Response.StatusCode);
                return Task.CompletedTask;
            });

            await next(context);

            if (!context.Response.HasStarted)
            {
                stats.RecordAborted(context);
            }
        });
}
