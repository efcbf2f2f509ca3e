using System.Text.RegularExpressions;
using MassTransit;
using Payments.Api.Auth;
using Payments.Api.Validation;
using Payments.Contracts;

namespace Payments.Api.CircuitBreakers;

internal static partial class CircuitBreakerEndpoints
{
    public static IHostApplicationBuilder AddCircuitBreakerStatus(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CircuitBreakerStatusStore>();
        return builder;
    }

    public static IBusRegistrationConfigurator AddCircuitBreakerStatusConsumer(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<CircuitBreakerStatusReportedConsumer, CircuitBreakerStatusReportedConsumerDefinition>();
        return bus;
    }

    public static WebApplication MapCircuitBreakers(this WebApplication app)
    {
        app.MapGet("/api/health/circuit-breaker", GetStatus)
            .AllowAnonymous()
            .WithTags(Tag)
            .Produces<CircuitBreakerHealthDocument>()
            .WithName("GetCircuitBreakerHealth")
            .WithSummary("Every running consumer instance's breakers; degraded when any is not CLOSED or no instance reports.");

        var admin = app.MapGroup("/api/admin/circuit-breakers")
            .RequireAuthorization(ApiKeyDefaults.AdminPolicy)
            .WithTags(Tag)
            .ProducesValidationProblem();
        admin.MapPost("/{name}/reset", (string name, IPublishEndpoint publish, CancellationToken cancellationToken) =>
                ControlAsync(name, CircuitBreakerAction.Reset, publish, cancellationToken))
            .Produces<CircuitBreakerControlResponse>(StatusCodes.Status202Accepted)
            .WithName("ResetCircuitBreaker")
            .WithSummary("Closes the named breaker on every consumer instance (totals are kept).");
        admin.MapPost("/{name}/isolate", (string name, IPublishEndpoint publish, CancellationToken cancellationToken) =>
                ControlAsync(name, CircuitBreakerAction.Isolate, publish, cancellationToken))
            .Produces<CircuitBreakerControlResponse>(StatusCodes.Status202Accepted)
            .WithName("IsolateCircuitBreaker")
            .WithSummary("Holds the named breaker OPEN on every consumer instance until it is reset.");
        return app;
    }

    private const string Tag = "CircuitBreakers";

    private static IResult GetStatus(CircuitBreakerStatusStore store)
    {
        var reports = store.Current();
        var breakers = reports
            .SelectMany(r => r.CircuitBreakers.Select(b => new CircuitBreakerHealth(
                r.Instance,
                b.Name,
                b.State,
                b.Failures,
                b.Successes,
                b.LastFailureTime,
                b.LastStateChange,
                b.OpenedAt,
                b.TotalAttempts,
                b.TotalFailures,
                b.TotalSuccesses,
                b.TotalRejected,
                b.RetryAfterSeconds,
                r.ReportedAt,
                b.Transitions)))
            .ToList();
        var healthy = breakers.Count > 0 && breakers.All(b => b.State == "CLOSED");
        return Results.Ok(new CircuitBreakerHealthDocument(healthy ? "healthy" : "degraded", breakers));
    }

    private static async Task<IResult> ControlAsync(string name, CircuitBreakerAction action, IPublishEndpoint publish, CancellationToken cancellationToken)
    {
        if (!BreakerName().IsMatch(name))
        {
            return Problems.Validation("name", "A breaker name is 1 to 64 letters, digits, '.', '_' or '-'.");
        }

        await publish.Publish(new ControlCircuitBreaker(name, action), cancellationToken);
        return TypedResults.Accepted((string?)null, new CircuitBreakerControlResponse(name, action.ToString().ToLowerInvariant(), "accepted"));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex BreakerName();
}

/// <summary>The answer to a reset or isolate: the command is published to every consumer instance.</summary>
internal sealed record CircuitBreakerControlResponse(string Name, string Action, string Status);

internal sealed record CircuitBreakerHealthDocument(string Status, IReadOnlyList<CircuitBreakerHealth> CircuitBreakers);

internal sealed record CircuitBreakerHealth(
    string Instance,
    string Name,
    string State,
    int Failures,
    int Successes,
    DateTimeOffset? LastFailureTime,
    DateTimeOffset LastStateChange,
    DateTimeOffset? OpenedAt,
    long TotalAttempts,
    long TotalFailures,
    long TotalSuccesses,
    long TotalRejected,
    double? RetryAfterSeconds,
    DateTimeOffset ReportedAt,
    IReadOnlyList<CircuitBreakerTransition> Transitions);
