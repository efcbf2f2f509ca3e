namespace Payments.Api.Auth;

internal static class ApiKeyDefaults
{
    public const string ClientScheme = "ApiKey";
    public const string AdminScheme = "AdminKey";
    public const string ClientPolicy = "ApiClient";
    public const string AdminPolicy = "Admin";
    public const string OpenApiPolicy = "OpenApi";
    public const string ClientHeader = "X-Api-Key";
    public const string AdminHeader = "X-Admin-Key";
}
