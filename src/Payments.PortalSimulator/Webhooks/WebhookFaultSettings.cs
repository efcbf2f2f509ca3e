namespace Payments.PortalSimulator.Webhooks;

/// <summary>Body of <c>PUT /_sim/webhooks[/{name}]/faults</c>; every field but the mode is optional.</summary>
public sealed record WebhookFaultRequest(string? Mode, int? Status, int? DelayMs);

internal static class WebhookFaultModes
{
    public const string None = "none";
    public const string Fail = "fail";
    public const string Hang = "hang";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { None, Fail, Hang };
}

/// <summary>How a receiver endpoint answers, as the control API echoes it back.</summary>
internal sealed record WebhookFaultSettings(string Mode, int Status, int DelayMs)
{
    public const int DefaultStatus = 500;
    public const int DefaultDelayMs = 30_000;
    public const int MaxDelayMs = 600_000;

    public static WebhookFaultSettings None { get; } = new(WebhookFaultModes.None, DefaultStatus, DefaultDelayMs);

    public static WebhookFaultSettings From(WebhookFaultRequest request) => new(
        request.Mode!,
        request.Status ?? DefaultStatus,
        request.DelayMs ?? DefaultDelayMs);
}
