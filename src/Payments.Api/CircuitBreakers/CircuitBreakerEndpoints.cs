using System.Text.RegularExpressions;
using MassTransit;
using Payments.Api.Auth;
using Payments.Api.Validation;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;

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
        admin.MapPost("/{name}/reset", (string name, IPublishEndpoint publish, PublishDeadline deadline, CancellationToken cancellationToken) =>
                ControlAsync(name, CircuitBreakerAction.Reset, publish, deadline, cancellationToken))
            .Produces<CircuitBreakerControlResponse>(StatusCodes.Status202Accepted)
            .WithName("ResetCircuitBreaker")
            .WithSummary("Closes the named breaker on every consumer instance (totals are kept).");
        admin.MapPost("/{name}/isolate", (string name, IPublishEndpoint publish, PublishDeadline deadline, CancellationToken cancellationToken) =>
                ControlAsync(name, CircuitBreakerAction.Isolate, publish, deadline, cancellationToken))
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
                b.Transitions)
            {
                HeldBy = b.HeldBy,
                PausedEndpoints = b.PausedEndpoints ?? [],
                Fleet = b.Fleet,
            }))
            .ToList();
        var healthy = breakers.Count > 0 && breakers.All(b => b.State == "CLOSED");
        return Results.Ok(new CircuitBreakerHealthDocument(healthy ? "healthy" : "degraded", breakers) { Fleet = FleetViews(breakers) });
    }

    /// <summary>
    /// Per shared breaker, the newest view any instance holds (they converge on it), with how many instances report the
    /// breaker and how many of them are not CLOSED.
    /// </summary>
    private static List<CircuitBreakerFleetHealth> FleetViews(List<CircuitBreakerHealth> breakers) =>
        breakers
            .Where(b => b.Fleet is not null)
            .GroupBy(b => b.Name, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var newest = g.Select(b => b.Fleet!).Aggregate((a, b) => b.IsNewerThan(a) ? b : a);
                var all = breakers.Where(b => string.Equals(b.Name, g.Key, StringComparison.Ordinal)).ToList();
                return new CircuitBreakerFleetHealth(
                    g.Key,
                    newest.State,
                    newest.Since,
                    newest.Source,
                    newest.Cause,
                    newest.OpenUntil,
                    newest.Prober,
                    all.Count,
                    all.Count(b => b.State != "CLOSED"));
            })
            .ToList();

    private static async Task<IResult> ControlAsync(
        string name, CircuitBreakerAction action, IPublishEndpoint publish, PublishDeadline deadline, CancellationToken cancellationToken)
    {
        if (!BreakerName().IsMatch(name))
        {
            return Problems.Validation("name", "A breaker name is 1 to 64 letters, digits, '.', '_' or '-'.");
        }

        // Past the deadline: 503 from the exception handler (ApiHostingExtensions).
        await deadline.RunAsync(token => publish.Publish(new ControlCircuitBreaker(name, action), token), cancellationToken);
        return TypedResults.Accepted((string?)null, new CircuitBreakerControlResponse(name, action.ToString().ToLowerInvariant(), "accepted"));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex BreakerName();
}

/// <summary>The answer to a reset or isolate: the command is published to every consumer instance.</summary>
internal sealed record CircuitBreakerControlResponse(string Name, string Action, string Status);

internal sealed record CircuitBreakerHealthDocument(string Status, IReadOnlyList<CircuitBreakerHealth> CircuitBreakers)
{
    /// <summary>The fleet's view of every breaker the consumer instances share.</summary>
    public IReadOnlyList<CircuitBreakerFleetHealth> Fleet { get; init; } = [];
}

/// <summary>The fleet's view of a shared breaker: the newest announcement, and how many instances are not CLOSED.</summary>
internal sealed record CircuitBreakerFleetHealth(
    string Name,
    string State,
    DateTimeOffset Since,
    string Source,
    string Cause,
    DateTimeOffset? OpenUntil,
    string? Prober,
    int Instances,
    int InstancesNotClosed);

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
    IReadOnlyList<CircuitBreakerTransition> Transitions)
{
    /// <summary>The peer whose announcement holds this instance's breaker open; null on its own evidence.</summary>
    public string? HeldBy { get; init; }

    /// <summary>The instance's endpoints paused while this breaker is open.</summary>
    public IReadOnlyList<string> PausedEndpoints { get; init; } = [];

    /// <summary>For a shared breaker, this instance's view of the fleet.</summary>
    public CircuitBreakerFleetView? Fleet { get; init; }
}
