using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Persistence;

/// <summary>
/// What one saga step sends PostgreSQL, read from EF Core's command log: a step on a saga that exists locks and reads its
/// row in one statement; only a saga that is not there yet takes the correlation-id lock (and reads again under it); no step
/// wraps its save in a savepoint.
/// </summary>
[Collection(SagaBus.Collection)]
public sealed class SagaStatementTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private const string AdvisoryLock = "pg_advisory_xact_lock";
    private const string RowLock = "FOR UPDATE";

    [Fact]
    public async Task A_step_on_an_existing_saga_reads_it_with_one_locking_statement_and_a_first_event_also_takes_the_id_lock()
    {
        var commands = new CommandLog();
        await using var bus = await StartAsync(commands, lockFirstOnOpen: false);
        var id = Guid.NewGuid();

        var opening = await StatementsOfAsync(bus, commands, new OpenCounter(id), Rows(id), 1);
        var bump = await StatementsOfAsync(bus, commands, new BumpCounter(id), Column("verification_attempts", id), 1);

        bus.Faults.Entries.ShouldBeEmpty();
        Occurrences(opening, AdvisoryLock).ShouldBe(1);
        Occurrences(opening, RowLock).ShouldBe(2, "read, then read again under the id lock");
        Occurrences(opening, "INSERT INTO").ShouldBe(1);
        Occurrences(bump, AdvisoryLock).ShouldBe(0);
        Occurrences(bump, RowLock).ShouldBe(1);
        Occurrences(bump, "UPDATE payments").ShouldBe(1);
        opening.Concat(bump).ShouldNotContain(c => c.Contains("SAVEPOINT", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_creating_message_takes_the_id_lock_before_its_one_read()
    {
        var commands = new CommandLog();
        await using var bus = await StartAsync(commands, lockFirstOnOpen: true);
        var id = Guid.NewGuid();

        var opening = await StatementsOfAsync(bus, commands, new OpenCounter(id), Rows(id), 1);
        // A repeat of the creating message finds the row under both locks and changes it.
        var repeat = await StatementsOfAsync(bus, commands, new OpenCounter(id), Column("pending_checks", id), 2);

        bus.Faults.Entries.ShouldBeEmpty();
        Occurrences(opening, AdvisoryLock).ShouldBe(1);
        Occurrences(opening, RowLock).ShouldBe(1, "one read, under the id lock");
        opening.FindIndex(c => c.Contains(AdvisoryLock, StringComparison.Ordinal))
            .ShouldBeLessThan(opening.FindIndex(c => c.Contains(RowLock, StringComparison.Ordinal)));
        Occurrences(opening, "INSERT INTO").ShouldBe(1);
        Occurrences(repeat, AdvisoryLock).ShouldBe(1);
        Occurrences(repeat, RowLock).ShouldBe(1);
        Occurrences(repeat, "INSERT INTO").ShouldBe(0);
    }

    private Task<SagaBus> StartAsync(CommandLog commands, bool lockFirstOnOpen) =>
        SagaBus.StartAsync(fixture.Database, lockFirstOnOpen: lockFirstOnOpen, logging: builder => builder
            .SetMinimumLevel(LogLevel.Information)
            .AddProvider(commands));

    private static string Rows(Guid id) => $"SELECT count(*)::int FROM payments WHERE correlation_id = {Eventually.Literal(id)}";

    private static string Column(string column, Guid id) => $"SELECT {column} FROM payments WHERE correlation_id = {Eventually.Literal(id)}";

    /// <summary>How many of <paramref name="statements"/> contain <paramref name="text"/> (ordinal).</summary>
    private static int Occurrences(List<string> statements, string text) =>
        statements.Count(c => c.Contains(text, StringComparison.Ordinal));

    /// <summary>Publishes one message and returns the statements of its step, once <paramref name="query"/> shows it committed.</summary>
    private async Task<List<string>> StatementsOfAsync<T>(SagaBus bus, CommandLog commands, T message, string query, int expected)
        where T : class
    {
        await bus.Bus.Publish(message);
        await Eventually.Until(
            () => fixture.Database.ScalarAsync<int>(query),
            n => n == expected, TimeSpan.FromSeconds(30), () => !bus.Faults.Entries.IsEmpty);

        // Each statement is logged as it completes, so a committed step has logged all of its statements.
        return commands.Take();
    }

    /// <summary>EF Core's "Executed DbCommand" entries (category Microsoft.EntityFrameworkCore.Database.Command), texts only.</summary>
    private sealed class CommandLog : ILoggerProvider, ILogger
    {
        private const string Category = "Microsoft.EntityFrameworkCore.Database.Command";
        private readonly ConcurrentQueue<string> _commands = new();

        public ILogger CreateLogger(string categoryName) => categoryName == Category ? this : NullLogger.Instance;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name == "Microsoft.EntityFrameworkCore.Database.Command.CommandExecuted")
            {
                _commands.Enqueue(formatter(state, exception));
            }
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        /// <summary>Everything logged so far, emptying the log.</summary>
        public List<string> Take()
        {
            var taken = new List<string>();
            while (_commands.TryDequeue(out var command))
            {
                taken.Add(command);
            }

            return taken;
        }

        public void Dispose()
        {
        }
    }
}
