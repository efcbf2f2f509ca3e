using System.Diagnostics.Metrics;
using Payments.Consumer.Verification;

namespace Payments.Consumer.CircuitBreakers;

/// <summary>
/// Metrics of the shared breaker, on the <c>Payments.Consumer</c> meter (each instance's own scrape target says which
/// instance): what it announced, what it followed, which probes it let through and why, and which endpoints it paused.
/// </summary>
public sealed class CircuitBreakerFleetTelemetry
{
    /// <summary>The probe was this instance's turn for the fleet.</summary>
    public const string RoleProber = "prober";

    /// <summary>The fleet's prober stayed silent past the grace: this instance probed for itself.</summary>
    public const string RoleFallback = "fallback";

    /// <summary>No fleet outage: the instance probed for its own open window.</summary>
    public const string RoleOwn = "own";

    private const string NameTag = "name";

    private readonly Counter<long> _announced;
    private readonly Counter<long> _followed;
    private readonly Counter<long> _probes;
    private readonly Counter<long> _pauses;

    public CircuitBreakerFleetTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(VerificationTelemetry.MeterName);
        _announced = meter.CreateCounter<long>(
            "payments.circuit_breaker.fleet.announced", "{announcement}",
            "Changes of the shared breaker this instance announced to the fleet, by state and cause.");
        _followed = meter.CreateCounter<long>(
            "payments.circuit_breaker.fleet.followed", "{announcement}",
            "Peer announcements this instance acted on (held its breaker open, or ended its window), by state.");
        _probes = meter.CreateCounter<long>(
            "payments.circuit_breaker.fleet.probes", "{probe}",
            "Open windows this instance ended with a probe, by role: prober (its turn), fallback (the prober was silent), own.");
        _pauses = meter.CreateCounter<long>(
            "payments.circuit_breaker.endpoint.pauses", "{change}",
            "Receive endpoints paused and resumed by their breaker, by endpoint and action.");
    }

    public void RecordAnnounced(string name, string state, string cause) =>
        _announced.Add(1, new(NameTag, name), new("state", state), new("cause", cause));

    public void RecordFollowed(string name, string state) => _followed.Add(1, new(NameTag, name), new("state", state));

    public void RecordProbe(string name, string role) => _probes.Add(1, new(NameTag, name), new("role", role));

    public void RecordPause(string endpoint, bool paused) =>
        _pauses.Add(1, new("endpoint", endpoint), new("action", paused ? "pause" : "resume"));
}
