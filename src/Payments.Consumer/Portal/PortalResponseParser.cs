using System.Text.Json;

namespace Payments.Consumer.Portal;

/// <summary>
/// Reads the portal's transaction document in either casing: the documented snake_case answer (<c>transaction_status</c>,
/// <c>transaction_hash</c>, <c>token_amount</c>, <c>to</c>) or the camelCase of the portal's own types
/// (<c>transactionStatus</c>, <c>transactionHash</c>, <c>inputTokenAmount</c>, <c>recipientAddress</c>).
/// </summary>
internal static class PortalResponseParser
{
    private static readonly string[] TransactionIdNames = ["transaction_id", "transactionId"];
    private static readonly string[] HashNames = ["transaction_hash", "transactionHash"];
    private static readonly string[] StatusNames = ["transaction_status", "transactionStatus"];
    private static readonly string[] ReferenceNames = ["reference"];
    private static readonly string[] RecipientNames = ["to", "recipientAddress"];
    private static readonly string[] TokenNames = ["token", "inputToken"];
    private static readonly string[] AmountNames = ["token_amount", "inputTokenAmount"];

    /// <summary>Parses a 200 answer; throws <see cref="PortalRequestException"/> (unparsable) when it is not a transaction.</summary>
    public static PortalTransaction Parse(byte[] body, string requestedTransactionId)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Unparsable($"expected a JSON object, got {root.ValueKind}");
            }

            var status = Read(root, StatusNames);
            if (string.IsNullOrWhiteSpace(status))
            {
                throw Unparsable("no transaction_status");
            }

            // The documented payment answer has no id field; when one is present it must be the one asked for.
            var transactionId = Read(root, TransactionIdNames) ?? requestedTransactionId;
            if (!string.Equals(transactionId, requestedTransactionId, StringComparison.OrdinalIgnoreCase))
            {
                throw Unparsable($"answer is for transaction {transactionId}, not {requestedTransactionId}");
            }

            return new PortalTransaction(
                transactionId,
                Read(root, HashNames),
                status,
                Read(root, ReferenceNames),
                Read(root, RecipientNames),
                Read(root, TokenNames),
                Read(root, AmountNames));
        }
        catch (JsonException exception)
        {
            throw Unparsable(exception.Message, exception);
        }
    }

    private static string? Read(JsonElement root, string[] names)
    {
        foreach (var name in names)
        {
            if (!root.TryGetProperty(name, out var value))
            {
                continue;
            }

            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                // An amount sent as a JSON number is kept digit for digit: a double would lose base units.
                JsonValueKind.Number => value.GetRawText(),
                _ => throw Unparsable($"{name} is a JSON {value.ValueKind}"),
            };
        }

        return null;
    }

    private static PortalRequestException Unparsable(string detail, Exception? inner = null) =>
        new(System.Net.HttpStatusCode.OK, $"unparsable portal response: {detail}", PortalFailureKind.Unparsable, inner);
}
