using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Payments.Infrastructure.Persistence;

namespace Payments.IntegrationTests.Fixtures;

/// <summary>
/// A database of its own on the local PostgreSQL server, with a unique name, dropped (connections included) on dispose.
/// Created empty; <see cref="MigrateAsync"/> applies the migrations. Server from <c>PAYMENTS_TEST_POSTGRES</c> if set.
/// <see cref="ApplyRolesAsync"/> gives the API's role (PAYMENTS_POSTGRES_API_USER / _PASSWORD, created by
/// <c>./run.sh up</c>) its grants of deploy/postgres/roles.sql in it, for connections as the API (<see cref="ApiConnectionString"/>).
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public const string NamePrefix = "payments_it_";

    private PostgresDatabase(string name)
    {
        Name = name;
        // A small pool: every test class, and other test projects, share the server's 100 connections.
        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString)
        {
            Database = name,
            MaxPoolSize = 20,
            Timeout = 30,
        }.ConnectionString;
    }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("PAYMENTS_TEST_POSTGRES") ?? "Host=localhost;Port=5432;Username=payments;Password=payments";

    /// <summary>The API's login role, with the defaults of run.sh.</summary>
    public static (string Username, string Password) ApiRole =>
        (Environment.GetEnvironmentVariable("PAYMENTS_POSTGRES_API_USER") ?? "payments_api",
         Environment.GetEnvironmentVariable("PAYMENTS_POSTGRES_API_PASSWORD") ?? "payments_api");

    public string Name { get; }

    /// <summary>As the owner of the database (the server connection's role): the consumer's login.</summary>
    public string ConnectionString { get; }

    /// <summary>This database as the API's role; its grants come from <see cref="ApplyRolesAsync"/>.</summary>
    public string ApiConnectionString => new NpgsqlConnectionStringBuilder(ConnectionString)
    {
        Username = ApiRole.Username,
        Password = ApiRole.Password,
    }.ConnectionString;

    /// <summary>Configuration for <see cref="PersistenceExtensions.AddPaymentsPersistence"/> pointing at this database.</summary>
    public IConfiguration Configuration(bool migrateOnStartup = false) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Postgres:ConnectionString"] = ConnectionString,
                ["Postgres:MigrateOnStartup"] = migrateOnStartup ? "true" : "false",
            })
            .Build();

    /// <summary>A fresh name, no database yet (for tests of "create if missing").</summary>
    public static PostgresDatabase Reserve() => new(NamePrefix + Guid.NewGuid().ToString("N")[..20]);

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var database = Reserve();
        await using var connection = new NpgsqlConnection(ServerConnectionString + ";Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return database;
    }

    public static async Task<PostgresDatabase> CreateMigratedAsync()
    {
        var database = await CreateAsync();
        await database.MigrateAsync();
        return database;
    }

    public PaymentsDbContext CreateDbContext(string? connectionString = null) =>
        new(new DbContextOptionsBuilder<PaymentsDbContext>()
            .UseNpgsql(connectionString ?? ConnectionString, npgsql => npgsql.MigrationsHistoryTable(PersistenceExtensions.MigrationsHistoryTable))
            .Options);

    /// <summary>Applies the saga migrations, as the owner unless another connection string is given.</summary>
    public async Task MigrateAsync(string? connectionString = null)
    {
        await using var db = CreateDbContext(connectionString);
        await db.Database.MigrateAsync();
    }

    /// <summary>
    /// Runs deploy/postgres/roles.sql in this database with psql, as the owner, as run.sh and docker-compose's init do
    /// (without a password, so it grants to the existing API role and creates no role).
    /// </summary>
    public async Task ApplyRolesAsync()
    {
        var owner = new NpgsqlConnectionStringBuilder(ConnectionString);
        var result = await ExternalProcess.RunAsync("psql",
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "owner=" + owner.Username, "-v", "api_role=" + ApiRole.Username,
             "-h", owner.Host!, "-p", owner.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", owner.Username!, "-d", Name,
             "-f", RepositoryFiles.PathOf("deploy", "postgres", "roles.sql")],
            environment: new Dictionary<string, string?> { ["PGPASSWORD"] = owner.Password });
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"roles.sql failed in {Name} ({result.ExitCode}): {result.Output}");
        }
    }

    /// <summary>First column of the first row; <c>default</c> when there is no row or the value is NULL.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        // The owner may end its own sessions only (WITH (FORCE) below): the API role's pooled ones are closed here, in the
        // pools of the strings as given and as the services use them (PostgresOptions.Pooled: a pool per exact string).
        foreach (var connectionString in new[] { ConnectionString, ApiConnectionString })
        {
            foreach (var form in new[] { connectionString, PostgresOptions.Pooled(connectionString) })
            {
                await using var probe = new NpgsqlConnection(form);
                NpgsqlConnection.ClearPool(probe);
            }
        }

        await using var connection = new NpgsqlConnection(ServerConnectionString + ";Database=postgres");
        await connection.OpenAsync();

        // A closed connection's server process ends a moment later, and WITH (FORCE) would try to end it and be refused.
        var deadline = System.Diagnostics.Stopwatch.GetTimestamp() + 15 * System.Diagnostics.Stopwatch.Frequency;
        await using (var others = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = @name AND usename <> current_user", connection))
        {
            others.Parameters.AddWithValue("name", Name);
            while ((long)(await others.ExecuteScalarAsync())! > 0 && System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }

        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
