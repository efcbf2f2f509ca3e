using System.ComponentModel.DataAnnotations;

namespace Payments.Consumer.Portal;

public sealed class DeveloperPortalOptions
{
    public const string SectionName = "DeveloperPortal";

    [Required]
    [Url]
    public string BaseUrl { get; set; } = "http://127.0.0.1:5082";

    [Required]
    public string AppId { get; set; } = "app_staging_payments";

    /// <summary>Sent as <c>Authorization: Bearer</c>; never logged.</summary>
    [Required]
    public string ApiKey { get; set; } = "sim-portal-key";

    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
