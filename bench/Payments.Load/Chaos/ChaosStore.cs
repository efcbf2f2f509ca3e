using Npgsql;

namespace Payments.Load.Chaos;

/// <summary>A payment's row in the saga table, as the figures need it.</summary>
public sealed record SettledRow(Guid PaymentId, string Reference, string State, string? ReviewReason, string? TransactionId, DateTimeOffset UpdatedAt);

/// <summary>
/// Reads what the system did from its database, not through the API (which the scenarios break on purpose): the saga rows
/// of a run and the webhook events the saga recorded with them. Counts by status while a run goes come from
/// <see cref="Load.PaymentStore.CountByStateAsync"/>, on <see cref="ConnectionString"/>.
/// </summary>
public sealed class ChaosStore : IAsyncDisposable
{
    // Short timeouts: the suite reads while PostgreSQL is frozen or restarting, and a read that fails is only retried.
    private readonly NpgsqlDataSource _dataSource;

    public ChaosStore(string connectionString)
    {
        ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Timeout = 3, CommandTimeout = 10 }.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public string ConnectionString { get; }

    public async Task<List<SettledRow>> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT correlation_id, reference, current_state, review_reason, transaction_id, updated_at FROM payments WHERE user_id = $1");
        command.Parameters.AddWithValue(userId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SettledRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SettledRow(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rows;
    }

    /// <summary>
    /// Payments of the run confirmed more than once: more than one <c>payment.confirmed</c> event recorded for one intent, or
    /// one transaction confirming more than one intent.
    /// </summary>
    public async Task<int> CountConfirmedTwiceAsync(string userId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT
              (SELECT count(*) FROM (
                 SELECT e.payment_id FROM webhook_events e JOIN payments p ON p.correlation_id = e.payment_id
                 WHERE p.user_id = $1 AND e.type = 'payment.confirmed' GROUP BY e.payment_id HAVING count(*) > 1) twice)
            + (SELECT count(*) FROM (
                 SELECT o.transaction_id FROM payments o JOIN payments p ON p.transaction_id = o.transaction_id
                 WHERE p.user_id = $1 AND p.current_state = 'Confirmed' AND o.current_state = 'Confirmed'
                 GROUP BY o.transaction_id HAVING count(DISTINCT o.correlation_id) > 1) shared)
            """);
        command.Parameters.AddWithValue(userId);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
