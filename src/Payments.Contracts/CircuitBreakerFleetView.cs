namespace Payments.Contracts;

/// <summary>
/// What one consumer instance knows of a breaker that the fleet shares: the newest announcement it has accepted. Instances
/// carry their view in every report; a view replaces another when it is newer (<see cref="Since"/>, then
/// <see cref="Source"/> in ordinal order), so every instance ends up with the same one.
/// </summary>
/// <param name="State"><c>OPEN</c> (an outage the fleet waits out) or <c>CLOSED</c>.</param>
/// <param name="Since">When the announcing instance made the view.</param>
/// <param name="Source">The instance whose breaker changed (opened on failures, failed or passed the probe, was reset).</param>
/// <param name="Cause"><c>failures</c>, <c>probe-failed</c>, <c>probes-succeeded</c> or <c>reset</c>.</param>
/// <param name="OpenUntil">While OPEN: when the open window ends for the whole fleet.</param>
/// <param name="Prober">While OPEN: the one instance that probes when the window ends; the others wait for its result.</param>
public sealed record CircuitBreakerFleetView(
    string State,
    DateTimeOffset Since,
    string Source,
    string Cause,
    DateTimeOffset? OpenUntil,
    string? Prober)
{
    public const string Open = "OPEN";
    public const string Closed = "CLOSED";

    public const string CauseFailures = "failures";
    public const string CauseProbeFailed = "probe-failed";
    public const string CauseProbesSucceeded = "probes-succeeded";
    public const string CauseReset = "reset";

    /// <summary>True when this view was made after <paramref name="other"/> (ties broken by the source's name).</summary>
    public bool IsNewerThan(CircuitBreakerFleetView other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Since != other.Since ? Since > other.Since : string.CompareOrdinal(Source, other.Source) > 0;
    }
}
