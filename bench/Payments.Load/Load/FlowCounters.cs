using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Payments.Load.Load;

/// <summary>
/// What the stack did, counted from outside at one moment: RabbitMQ's publishes and deliveries in the virtual host (the
/// management API's counters), PostgreSQL's transactions in the database (<c>pg_stat_database</c>) and, where the
/// <c>pg_stat_statements</c> extension is installed, its statements per role. Two snapshots apart give the work between them.
/// </summary>
public sealed record FlowSnapshot(long Published, long Delivered, long Transactions, IReadOnlyDictionary<string, long>? StatementsByRole)
{
    public FlowSnapshot Minus(FlowSnapshot before) => new(
        Published - before.Published,
        Delivered - before.Delivered,
        Transactions - before.Transactions,
        StatementsByRole is null || before.StatementsByRole is null
            ? null
            : StatementsByRole.ToDictionary(r => r.Key, r => r.Value - before.StatementsByRole.GetValueOrDefault(r.Key), StringComparer.Ordinal));
}

public sealed class FlowCounters(HttpClient management, string virtualHost, string postgresConnectionString)
{
    /// <summary>
    /// PostgreSQL flushes a backend's counters when it goes idle, but at most once a second and, for a connection that
    /// stays idle, within 10 s; a snapshot taken sooner after the work misses some of it.
    /// </summary>
    public static readonly TimeSpan PostgresFlushDelay = TimeSpan.FromSeconds(11);

    /// <summary>RabbitMQ's management API samples its counters every 5 s by default.</summary>
    public static readonly TimeSpan BrokerSampleDelay = TimeSpan.FromSeconds(6);

    public async Task<FlowSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var (published, delivered) = await ReadBrokerAsync(cancellationToken);
        await using var connection = new NpgsqlConnection(postgresConnectionString);
        await connection.OpenAsync(cancellationToken);
        var transactions = await ReadTransactionsAsync(connection, cancellationToken);
        var statements = await ReadStatementsAsync(connection, cancellationToken);
        return new FlowSnapshot(published, delivered, transactions, statements);
    }

    private async Task<(long Published, long Delivered)> ReadBrokerAsync(CancellationToken cancellationToken)
    {
        var vhost = await management.GetFromJsonAsync<JsonElement>($"/api/vhosts/{Uri.EscapeDataString(virtualHost)}", cancellationToken);
        if (!vhost.TryGetProperty("message_stats", out var stats))
        {
            return (0, 0);
        }

        return (Counter(stats, "publish"), Counter(stats, "deliver_get"));

        static long Counter(JsonElement stats, string name) =>
            stats.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
    }

    private static async Task<long> ReadTransactionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    /// <summary>Statements executed per role in this database, or null without <c>pg_stat_statements</c>.</summary>
    private static async Task<Dictionary<string, long>?> ReadStatementsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('pg_stat_statements') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return null;
            }
        }

        // The counts are readable by any role; only other roles' statement texts are hidden.
        await using var command = new NpgsqlCommand(
            """
            SELECT r.rolname, sum(s.calls)::bigint
            FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
            WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            GROUP BY r.rolname
            """, connection);
        var byRole = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                byRole[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ObjectNotInPrerequisiteState)
        {
            // Installed but not loaded (shared_preload_libraries lacks it).
            return null;
        }

        return byRole;
    }
}
