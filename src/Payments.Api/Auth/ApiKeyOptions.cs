using System.ComponentModel.DataAnnotations;

namespace Payments.Api.Auth;

/// <summary>
/// Keys the API accepts. Client keys are the union of <see cref="ApiKeys"/> and <see cref="ApiKey"/>, so one key can be
/// set from a single environment variable (<c>Api__ApiKey</c>) and several rotated through the list. With neither set,
/// the local default <see cref="DefaultClientKey"/> applies; it stops working as soon as any client key is configured.
/// </summary>
internal sealed class ApiKeyOptions : IValidatableObject
{
    public const string Section = "Api";
    public const string DefaultClientKey = "dev-api-key";
    public const string DefaultAdminKey = "dev-admin-key";

    public List<string> ApiKeys { get; set; } = [];

    public string? ApiKey { get; set; }

    [Required]
    [MinLength(8)]
    public string AdminKey { get; set; } = DefaultAdminKey;

    public IReadOnlyList<string> ClientKeys()
    {
        var configured = ApiKeys.Append(ApiKey).Where(key => !string.IsNullOrEmpty(key)).Select(key => key!).ToList();
        return configured.Count > 0 ? configured : [DefaultClientKey];
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ClientKeys().Any(key => key.Length < 8))
        {
            yield return new ValidationResult("Client keys must be at least 8 characters long.", [nameof(ApiKeys)]);
        }
    }
}
