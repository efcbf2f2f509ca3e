namespace Payments.IntegrationTests.Fixtures;

/// <summary>One service's permissions in the Payments virtual host, as RabbitMQ takes them (unanchored regexes).</summary>
public sealed record BrokerPermission(string Service, string Configure, string Write, string Read);

/// <summary>A service's broker login: PAYMENTS_RABBITMQ_{SERVICE}_USER / _PASSWORD, with the defaults of run.sh.</summary>
public sealed record BrokerUser(string Service, string Username, string Password);

/// <summary>
/// deploy/rabbitmq/permissions.tsv, the one list of broker permissions that run.sh and docker-compose apply (through
/// deploy/rabbitmq/setup-users.sh) and that the test virtual hosts grant.
/// </summary>
public static class BrokerPermissions
{
    public const string Api = "api";
    public const string Consumer = "consumer";

    private static readonly Dictionary<string, (string User, string Password)> _localDefaults = new(StringComparer.Ordinal)
    {
        [Api] = ("payments-api", "payments-api"),
        [Consumer] = ("payments", "payments"),
    };

    public static IReadOnlyList<BrokerPermission> All { get; } = Read(RepositoryFiles.PathOf("deploy", "rabbitmq", "permissions.tsv"));

    public static BrokerPermission Of(string service) =>
        All.SingleOrDefault(p => p.Service == service) ?? throw new InvalidOperationException($"permissions.tsv has no line for '{service}'");

    public static BrokerUser UserOf(string service)
    {
        var variable = "PAYMENTS_RABBITMQ_" + service.ToUpperInvariant().Replace('-', '_');
        _localDefaults.TryGetValue(service, out var defaults);
        var user = Environment.GetEnvironmentVariable(variable + "_USER") ?? defaults.User;
        var password = Environment.GetEnvironmentVariable(variable + "_PASSWORD") ?? defaults.Password;
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            throw new InvalidOperationException($"{variable}_USER and {variable}_PASSWORD name the broker user of '{service}'");
        }

        return new BrokerUser(service, user, password);
    }

    private static List<BrokerPermission> Read(string path)
    {
        var permissions = new List<BrokerPermission>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != 4)
            {
                throw new InvalidOperationException($"{path}: '{line}' does not have four tab-separated fields");
            }

            permissions.Add(new BrokerPermission(fields[0], fields[1], fields[2], fields[3]));
        }

        return permissions;
    }
}
