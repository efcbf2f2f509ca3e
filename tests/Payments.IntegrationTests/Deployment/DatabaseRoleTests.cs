using Npgsql;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Deployment;

/// <summary>A fresh database with deploy/postgres/roles.sql applied, then migrated by its owner, as on a new deployment.</summary>
public sealed class GrantedDatabaseFixture : IAsyncLifetime
{
    private PostgresDatabase? _database;

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialised yet.");

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync();
        await _database.ApplyRolesAsync();
        await _database.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}

/// <summary>
/// The API's role against real PostgreSQL: it reads the saga tables (those of later migrations too), writes none of them,
/// creates nothing in public and cannot run the saga migrations, and it can create and use a schema of its own.
/// </summary>
public sealed class DatabaseRoleTests(GrantedDatabaseFixture fixture) : IClassFixture<GrantedDatabaseFixture>
{
    private const string InsufficientPrivilege = "42501";

    private PostgresDatabase Database => fixture.Database;

    [Fact]
    public async Task The_api_role_reads_the_saga_table()
    {
        var id = Guid.NewGuid();
        await ExecuteAsync(Database.ConnectionString,
            "INSERT INTO payments (correlation_id, current_state, reference, user_id, recipient, token, amount, " +
            "verification_attempts, circuit_deferrals, pending_checks, created_at, updated_at, expires_at) " +
            $"VALUES ('{id}', 'AwaitingTransaction', 'r', 'u', '0x', 'WLD', '1', 0, 0, 0, now(), now(), now())");

        var read = await ScalarAsync<string>(Database.ApiConnectionString, $"SELECT current_state FROM payments WHERE correlation_id = '{id}'");

        read.ShouldBe("AwaitingTransaction");
    }

    [Theory]
    [InlineData("INSERT INTO payments (correlation_id) VALUES (gen_random_uuid())")]
    [InlineData("UPDATE payments SET current_state = 'Confirmed'")]
    [InlineData("DELETE FROM payments")]
    [InlineData("TRUNCATE payments")]
    [InlineData("CREATE TABLE public.api_intruder (id int)")]
    [InlineData("ALTER TABLE payments ADD COLUMN intruder int")]
    public async Task The_api_role_is_refused(string sql)
    {
        var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(Database.ApiConnectionString, sql));

        refused.SqlState.ShouldBe(InsufficientPrivilege, refused.MessageText);
    }

    [Fact]
    public async Task The_api_role_creates_and_uses_a_schema_of_its_own()
    {
        await ExecuteAsync(Database.ApiConnectionString,
            "CREATE SCHEMA api; CREATE TABLE api.idempotency_probe (key text PRIMARY KEY); INSERT INTO api.idempotency_probe VALUES ('k')");

        (await ScalarAsync<long>(Database.ApiConnectionString, "SELECT count(*) FROM api.idempotency_probe")).ShouldBe(1);
        (await ScalarAsync<string>(Database.ConnectionString, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'api'"))
            .ShouldBe(PostgresDatabase.ApiRole.Username);
    }

    [Fact]
    public async Task A_table_the_owner_creates_later_is_readable_by_the_api_role()
    {
        // What the next saga migration does.
        await ExecuteAsync(Database.ConnectionString, "CREATE TABLE later_migration (id int); INSERT INTO later_migration VALUES (1)");

        (await ScalarAsync<long>(Database.ApiConnectionString, "SELECT count(*) FROM later_migration")).ShouldBe(1);
        var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(Database.ApiConnectionString, "DELETE FROM later_migration"));
        refused.SqlState.ShouldBe(InsufficientPrivilege);
    }

    [Fact]
    public async Task The_api_role_cannot_run_the_saga_migrations()
    {
        await using var fresh = await PostgresDatabase.CreateAsync();
        await fresh.ApplyRolesAsync();

        var refused = await Should.ThrowAsync<PostgresException>(() => fresh.MigrateAsync(fresh.ApiConnectionString));

        refused.SqlState.ShouldBe(InsufficientPrivilege, refused.MessageText);
        (await fresh.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).ShouldBe(0);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
