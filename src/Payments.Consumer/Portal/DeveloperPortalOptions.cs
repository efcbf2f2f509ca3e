using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.Portal;

public sealed class DeveloperPortalOptions
{
    public const string SectionName = "DeveloperPortal";

    /// <summary>The local portal simulator; plain http, so refused outside Development (<see cref="DeveloperPortalDevelopmentGuard"/>).</summary>
    public const string DevelopmentBaseUrl = "http://127.0.0.1:5082";

    /// <summary>The portal simulator's key; refused outside Development.</summary>
    public const string DevelopmentApiKey = "sim-portal-key";

    [Required]
    [Url]
    public string BaseUrl { get; set; } = DevelopmentBaseUrl;

    [Required]
    public string AppId { get; set; } = "app_staging_payments";

    /// <summary>Sent as <c>Authorization: Bearer</c>; never logged.</summary>
    [Required]
    public string ApiKey { get; set; } = DevelopmentApiKey;

    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
