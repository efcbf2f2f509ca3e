namespace Payments.PortalSimulator.Faults;

/// <summary>Body of <c>PUT /_sim/faults</c>; every field but the mode is optional.</summary>
public sealed record FaultRequest(
    string? Mode,
    int? Status,
    int? DelayMs,
    int? RetryAfterSeconds,
    double? FailureRate,
    int? Seed);

internal static class FaultModes
{
    public const string None = "none";
    public const string Down = "down";
    public const string Error = "error";
    public const string Slow = "slow";
    public const string RateLimit = "ratelimit";
    public const string Garbage = "garbage";
    public const string Flaky = "flaky";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        None, Down, Error, Slow, RateLimit, Garbage, Flaky,
    };
}

/// <summary>The active fault, as the control API echoes it back.</summary>
internal sealed record FaultSettings(string Mode, int Status, int DelayMs, int RetryAfterSeconds, double FailureRate, int Seed)
{
    public const int DefaultErrorStatus = 503;
    public const int DefaultRetryAfterSeconds = 1;

    public static FaultSettings None { get; } = new(FaultModes.None, DefaultErrorStatus, 0, DefaultRetryAfterSeconds, 0, 0);

    public static FaultSettings From(FaultRequest request) => new(
        request.Mode!,
        request.Status is null or 0 ? DefaultErrorStatus : request.Status.Value,
        request.DelayMs ?? 0,
        // Retry-After: 0 would invite an immediate retry storm, which is not what a rate-limiting portal says.
        request.RetryAfterSeconds is null or <= 0 ? DefaultRetryAfterSeconds : request.RetryAfterSeconds.Value,
        request.FailureRate ?? 0,
        request.Seed ?? 0);
}
