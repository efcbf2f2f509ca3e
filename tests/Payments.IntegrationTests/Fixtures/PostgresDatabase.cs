using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Payments.Infrastructure.Persistence;

namespace Payments.IntegrationTests.Fixtures;

/// <summary>
/// A database of its own on the local PostgreSQL server, with a unique name, dropped (connections included) on dispose.
/// Created empty; <see cref="MigrateAsync"/> applies the migrations. Server from <c>PAYMENTS_TEST_POSTGRES</c> if set.
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

    public string Name { get; }

    public string ConnectionString { get; }

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

    public PaymentsDbContext CreateDbContext() =>
        new(new DbContextOptionsBuilder<PaymentsDbContext>()
            .UseNpgsql(ConnectionString, npgsql => npgsql.MigrationsHistoryTable(PersistenceExtensions.MigrationsHistoryTable))
            .Options);

    public async Task MigrateAsync()
    {
        await using var db = CreateDbContext();
        await db.Database.MigrateAsync();
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
        await using (var probe = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(probe);
        }

        await using var connection = new NpgsqlConnection(ServerConnectionString + ";Database=postgres");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
