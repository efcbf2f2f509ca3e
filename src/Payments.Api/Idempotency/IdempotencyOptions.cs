using System.ComponentModel.DataAnnotations;

namespace Payments.Api.Idempotency;

/// <summary>Section <c>Api:Idempotency</c>.</summary>
internal sealed class IdempotencyOptions
{
    public const string Section = "Api:Idempotency";

    /// <summary>How long a key replays its first answer; past it the key is forgotten.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often forgotten keys are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Rows one sweep statement deletes at most (a sweep repeats it until none is left).</summary>
    [Range(1, 100_000)]
    public int SweepBatchSize { get; set; } = 1000;

    /// <summary>
    /// Creates or upgrades the API's own schema when the API starts, under the API's own database role. Turn off where a
    /// deployment step migrates instead.
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;
}
