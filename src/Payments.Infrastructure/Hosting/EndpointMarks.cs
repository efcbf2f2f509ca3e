namespace Payments.Infrastructure.Hosting;

/// <summary>Endpoint metadata: a route for operators and scrapers only (<c>/metrics</c>), served on a management port.</summary>
public sealed class ManagementEndpoint
{
    public static ManagementEndpoint Instance { get; } = new();

    private ManagementEndpoint()
    {
    }
}

/// <summary>Endpoint metadata: a health route (<c>/health/live</c>, <c>/health/ready</c>), served on every port.</summary>
public sealed class HealthEndpoint
{
    public static HealthEndpoint Instance { get; } = new();

    private HealthEndpoint()
    {
    }
}
