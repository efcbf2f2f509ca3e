using System.ComponentModel.DataAnnotations;

namespace Payments.PortalSimulator.Portal;

public sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>The bearer key callers must present, as the portal's API key.</summary>
    [Required]
    public string ApiKey { get; set; } = "sim-portal-key";

    /// <summary>Answer with the portal's own camelCase field names instead of the documented snake_case ones.</summary>
    public bool CamelCase { get; set; }
}
