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
        result.Output.ShouldContain("SUCCESS: 9 rules found");
    }

    [Fact]
    public async Task Compose_file_is_accepted_by_docker_compose()
    {
        var result = await ComposeConfigAsync(File.ReadAllLines(EnvExample));

        result.ExitCode.ShouldBe(0, result.Output);
        foreach (var service in new[] { "rabbitmq:", "rabbitmq-setup:", "postgres:", "portal-simulator:", "consumer:", "api:" })
        {
            result.Output.ShouldContain(service);
        }

        result.Output.ShouldContain("service_healthy");
        result.Output.ShouldContain("service_completed_successfully");
    }

    [Fact]
    public async Task Compose_publishes_only_the_api_port_on_every_interface_and_not_the_simulator()
    {
        var result = await ComposeConfigAsync(File.ReadAllLines(EnvExample));
        result.ExitCode.ShouldBe(0, result.Output);

        var ports = PublishedPorts(result.Output);

        ports.Where(p => p.HostIp is null).Select(p => $"{p.Service}:{p.Published}").ShouldBe(["api:5080"]);
        ports.Where(p => p.HostIp is not null).ShouldAllBe(p => p.HostIp == "127.0.0.1");
        ports.Select(p => p.Service).ShouldContain("rabbitmq");
        ports.ShouldNotContain(p => p.Service == "portal-simulator");
    }

    [Fact]
    public async Task Compose_has_no_default_for_any_secret()
    {
        var compose = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot, "docker-compose.yml"));
        var references = System.Text.RegularExpressions.Regex.Matches(compose, @"\$\{(?<name>[A-Za-z0-9_]+)(?<rest>[^}]*)\}");
        references.Count.ShouldBeGreaterThan(0);
        references.ShouldAllBe(r => r.Groups["rest"].Value.StartsWith(":?"), "every variable is required, none has a default");

        // Each variable of .env.example is needed: without it docker-compose stops and names it.
        var example = File.ReadAllLines(EnvExample);
        var variables = example.Where(IsAssignment).Select(line => line[..line.IndexOf('=')]).ToList();
        variables.ShouldBe(references.Select(r => r.Groups["name"].Value).Distinct(), ignoreOrder: true);
        foreach (var variable in variables)
        {
            var result = await ComposeConfigAsync(example.Where(line => !line.StartsWith(variable + "=", StringComparison.Ordinal)));

            result.ExitCode.ShouldNotBe(0, $"config without {variable}: {result.Output}");
            result.Output.ShouldContain(variable);
        }
    }

    private static string EnvExample => Path.Combine(RepositoryRoot, ".env.example");

    private static bool IsAssignment(string line) => line.Length > 0 && !line.StartsWith('#') && line.Contains('=');

    /// <summary>
    /// <c>docker-compose config</c> with exactly <paramref name="envFile"/>'s variables: none from this process's
    /// environment (./run.sh test exports some of the same names) and no .env of the working copy.
    /// </summary>
    private static async Task<(int ExitCode, string Output)> ComposeConfigAsync(IEnumerable<string> envFile)
    {
        var path = Path.Combine(Path.GetTempPath(), $"payments-compose-{Guid.NewGuid():N}.env");
        await File.WriteAllLinesAsync(path, envFile);
        try
        {
            var environment = File.ReadAllLines(EnvExample).Where(IsAssignment)
                .ToDictionary(line => line[..line.IndexOf('=')], _ => (string?)null);
            return await ExternalProcess.RunAsync("docker-compose", ["--env-file", path, "config"], RepositoryRoot, environment: environment);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed record PublishedPort(string Service, string Published, string? HostIp);

    /// <summary>
    /// The published ports of <c>docker-compose config</c>'s output, which writes a port with a host address in short form
    /// (<c>- 127.0.0.1:5672:5672/tcp</c>) and one on every interface in long form (<c>- published: 5080</c>, no host_ip).
    /// </summary>
    private static List<PublishedPort> PublishedPorts(string config)
    {
        var ports = new List<PublishedPort>();
        string? service = null;
        var inServices = false;
        var inPorts = false;
        foreach (var line in config.Split('\n'))
        {
            var indent = line.Length - line.TrimStart().Length;
            var text = line.Trim();
            if (indent == 0)
            {
                inServices = text == "services:";
                service = null;
                inPorts = false;
            }
            else if (inServices && indent == 2 && text.EndsWith(':'))
            {
                service = text.TrimEnd(':');
                inPorts = false;
            }
            else if (service is not null && indent == 4 && !(inPorts && text.StartsWith("- ", StringComparison.Ordinal)))
            {
                // A key of the service; the list under ports: sits at the same indent as ports: itself.
                inPorts = text == "ports:";
            }
            else if (service is not null && inPorts && text.StartsWith("- ", StringComparison.Ordinal))
            {
                var entry = text[2..];
                if (entry.StartsWith("published:", StringComparison.Ordinal))
                {
                    ports.Add(new PublishedPort(service, entry["published:".Length..].Trim(), null));
                }
                else
                {
                    var parts = entry.Split('/')[0].Split(':');
                    ports.Add(new PublishedPort(service, parts[^2], parts.Length == 3 ? parts[0] : null));
                }
            }
            else if (service is not null && inPorts && text.StartsWith("host_ip:", StringComparison.Ordinal))
            {
                ports[^1] = ports[^1] with { HostIp = text["host_ip:".Length..].Trim() };
            }
        }

        return ports;
    }

    private static string RepositoryRoot => RepositoryFiles.Root;
}
