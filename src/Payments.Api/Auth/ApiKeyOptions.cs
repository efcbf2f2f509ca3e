using System.ComponentModel.DataAnnotations;

namespace Payments.Api.Auth;

/// <summary>
/// Keys the API accepts. Client keys are the union of <see cref="ApiKeys"/> and <see cref="ApiKey"/>, so one key can be
/// set from a single environment variable (<c>Api__ApiKey</c>) and several rotated through the list.
/// </summary>
internal sealed class ApiKeyOptions : IValidatableObject
{
    public const string Section = "Api";

    public List<string> ApiKeys { get; set; } = [];

    public string? ApiKey { get; set; }

    [Required]
    [MinLength(8)]
    public string AdminKey { get; set; } = string.Empty;

    public IEnumerable<string> ClientKeys() =>
        ApiKeys.Append(ApiKey).Where(key => !string.IsNullOrEmpty(key)).Select(key => key!);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var keys = ClientKeys().ToList();
        if (keys.Count == 0)
        {
            yield return new ValidationResult("At least one client key is required (Api:ApiKey or Api:ApiKeys).", [nameof(ApiKey)]);
        }

        if (keys.Any(key => key.Length < 8))
        {
            yield return new ValidationResult("Client keys must be at least 8 characters long.", [nameof(ApiKeys)]);
        }
    }
}
