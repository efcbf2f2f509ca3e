using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Deployment;

/// <summary>The deployment files are checked by the tools that read them: promtool for the alert rules, docker-compose for the stack.</summary>
public sealed class DeploymentFileTests
{
    [Fact]
    public async Task Alert_rules_pass_their_promtool_unit_tests()
    {
        var result = await ExternalProcess.RunAsync("promtool", ["test", "rules", "alerts.test.yml"], Path.Combine(RepositoryRoot, "deploy", "prometheus"));

        result.ExitCode.ShouldBe(0, result.Output);
        result.Output.ShouldContain("SUCCESS");
    }

    [Fact]
    public async Task Prometheus_configuration_and_rules_are_valid()
    {
        var result = await ExternalProcess.RunAsync("promtool", ["check", "config", "prometheus.yml"], Path.Combine(RepositoryRoot, "deploy", "prometheus"));

        result.ExitCode.ShouldBe(0, result.Output);
        result.Output.ShouldContain("SUCCESS: 7 rules found");
    }

    [Fact]
    public async Task Compose_file_is_accepted_by_docker_compose()
    {
        var result = await ExternalProcess.RunAsync("docker-compose", ["config"], RepositoryRoot);

        result.ExitCode.ShouldBe(0, result.Output);
        foreach (var service in new[] { "rabbitmq:", "postgres:", "portal-simulator:", "consumer:", "api:" })
        {
            result.Output.ShouldContain(service);
        }

        result.Output.ShouldContain("service_healthy");
    }

    private static string RepositoryRoot => RepositoryFiles.Root;
}
