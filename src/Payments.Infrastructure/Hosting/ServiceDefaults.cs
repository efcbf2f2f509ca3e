using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Payments.Infrastructure.Hosting;

/// <summary>What every Payments process shares: telemetry, health endpoints, metrics endpoint.</summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this run on <c>/health/ready</c>; <c>/health/live</c> runs none.</summary>
    public const string ReadyTag = "ready";

    /// <summary>This process among its peers: host name and process id, lower-case (used in queue names and reports).</summary>
    public static string InstanceId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();

    /// <summary>Meters exported by every process; a process without one of them simply exports nothing for it.</summary>
    private static readonly string[] _meters =
    [
        "Payments.CircuitBreaker",
        "Payments.Consumer",
        "Payments.Api",
        "Payments.Infrastructure",
        "MassTransit",
        "System.Net.Http",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting",
    ];

    public static IHostApplicationBuilder AddPaymentsServiceDefaults(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton(TimeProvider.System);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: InstanceId))
            .WithMetrics(metrics => metrics
                .AddMeter(_meters)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());

        // Traces only where an OTLP collector is configured to take them. A tracer provider without an exporter still has
        // every span of MassTransit, ASP.NET Core, HttpClient, EF Core and Npgsql recorded, tagged and thrown away (about
        // 3 % of the consumer's CPU samples under load).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(tracing => tracing
                    .AddSource("MassTransit")
                    .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsInfrastructurePath(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddEntityFrameworkCoreInstrumentation()
                    .AddNpgsql())
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Runs every <c>ValidateOnStart</c> validation now, right after the build, so a refused configuration reports all its
    /// failures at once: otherwise the first hosted service built (the bus reads the broker options) throws only its own.
    /// </summary>
    public static WebApplication ValidateOptionsAtStart(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        return app;
    }

    /// <summary>
    /// Maps <c>/health/live</c>, <c>/health/ready</c> (marked <see cref="HealthEndpoint"/>) and <c>/metrics</c> (marked
    /// <see cref="ManagementEndpoint"/>), all explicitly anonymous. A process with a public port besides its management port
    /// (the API) keeps <c>/metrics</c> to the management port by that mark.
    /// </summary>
    public static WebApplication MapPaymentsDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false })
            .WithMetadata(HealthEndpoint.Instance)
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        })
            .WithMetadata(HealthEndpoint.Instance)
            .AllowAnonymous();
        app.MapPrometheusScrapingEndpoint("/metrics")
            .WithMetadata(ManagementEndpoint.Instance)
            .AllowAnonymous();
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
