namespace Payments.IntegrationTests.Fixtures;

/// <summary>
/// xunit class fixture: one migrated database per test class (and run), dropped when the class is done.
/// Use as <c>IClassFixture&lt;PostgresFixture&gt;</c>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresDatabase? _database;

    public PostgresDatabase Database => _database ?? throw new InvalidOperationException("The fixture is not initialised yet.");

    public async Task InitializeAsync() => _database = await PostgresDatabase.CreateMigratedAsync();

    public async Task DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
