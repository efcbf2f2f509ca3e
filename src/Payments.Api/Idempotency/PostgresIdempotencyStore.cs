using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Payments.Api.Idempotency;

/// <summary>
/// Keys in <c>api.idempotency_keys</c>, one row per client and key. A claim is one upsert: the primary key serialises
/// concurrent first uses (every API instance shares the table), and a forgotten row is taken over in the same statement.
/// </summary>
internal sealed class PostgresIdempotencyStore(
    IDbContextFactory<IdempotencyDbContext> contexts,
    IOptions<IdempotencyOptions> options,
    TimeProvider time) : IIdempotencyStore
{
    private const string Columns = "request_hash, payment_id, created_at, expires_at, intent_status, intent_expires_at";

    private static readonly string ClaimSql = $"""
        INSERT INTO {Table} (client_id, idempotency_key, request_hash, payment_id, created_at, expires_at)
        VALUES (@client, @key, @hash, @payment, @now, @expires)
        ON CONFLICT (client_id, idempotency_key) DO UPDATE
            SET request_hash = EXCLUDED.request_hash, payment_id = EXCLUDED.payment_id, created_at = EXCLUDED.created_at,
                expires_at = EXCLUDED.expires_at, intent_status = NULL, intent_expires_at = NULL
            WHERE {Table}.expires_at <= EXCLUDED.created_at
        RETURNING {Columns}
        """;

    private static readonly string ReadSql = $"SELECT {Columns} FROM {Table} WHERE client_id = @client AND idempotency_key = @key";

    private const string Table = IdempotencyDbContext.QualifiedTableName;

    public async Task<IdempotencyRecord> ClaimAsync(
        string clientId, string key, byte[] requestHash, Guid paymentId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);

        // The upsert returns nothing when a live row holds the key: read that row. A row can vanish in between only when it
        // was forgotten and swept, so the next upsert then inserts.
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            await using (var claim = new NpgsqlCommand(ClaimSql, connection))
            {
                claim.Parameters.AddWithValue("client", clientId);
                claim.Parameters.AddWithValue("key", key);
                claim.Parameters.AddWithValue("hash", requestHash);
                claim.Parameters.AddWithValue("payment", paymentId);
                claim.Parameters.AddWithValue("now", now);
                claim.Parameters.AddWithValue("expires", now + options.Value.Retention);
                if (await ReadRecordAsync(claim, clientId, key, cancellationToken) is { } claimed)
                {
                    return claimed;
                }
            }

            await using var read = new NpgsqlCommand(ReadSql, connection);
            read.Parameters.AddWithValue("client", clientId);
            read.Parameters.AddWithValue("key", key);
            var stored = await ReadRecordAsync(read, clientId, key, cancellationToken);
            if (stored is not null || attempt >= 2)
            {
                return stored ?? throw new InvalidOperationException("The idempotency key could neither be claimed nor read.");
            }
        }
    }

    private static async Task<IdempotencyRecord?> ReadRecordAsync(
        NpgsqlCommand command, string clientId, string key, CancellationToken cancellationToken)
    {
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new IdempotencyRecord
        {
            ClientId = clientId,
            IdempotencyKey = key,
            RequestHash = reader.GetFieldValue<byte[]>(0),
            PaymentId = reader.GetGuid(1),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(2),
            ExpiresAt = reader.GetFieldValue<DateTimeOffset>(3),
            IntentStatus = reader.IsDBNull(4) ? null : reader.GetString(4),
            IntentExpiresAt = reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        };
    }
}
