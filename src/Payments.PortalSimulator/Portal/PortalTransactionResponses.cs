using System.Text.Json.Serialization;

namespace Payments.PortalSimulator.Portal;

/// <summary>The documented payment response of <c>GET /api/v2/minikit/transaction/{id}</c>.</summary>
internal sealed record SnakeCaseTransaction(
    [property: JsonPropertyName("transaction_id")] string TransactionId,
    [property: JsonPropertyName("transaction_hash")] string? TransactionHash,
    [property: JsonPropertyName("transaction_status")] string TransactionStatus,
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("chain")] string Chain,
    [property: JsonPropertyName("timestamp")] string Timestamp,
    [property: JsonPropertyName("token_amount")] string TokenAmount,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("app_id")] string AppId);

/// <summary>The same transaction with the field names of the portal's own types.</summary>
internal sealed record CamelCaseTransaction(
    [property: JsonPropertyName("transactionId")] string TransactionId,
    [property: JsonPropertyName("transactionHash")] string? TransactionHash,
    [property: JsonPropertyName("transactionStatus")] string TransactionStatus,
    [property: JsonPropertyName("reference")] string Reference,
    [property: JsonPropertyName("miniappId")] string MiniappId,
    [property: JsonPropertyName("updatedAt")] string UpdatedAt,
    [property: JsonPropertyName("network")] string Network,
    [property: JsonPropertyName("fromWalletAddress")] string FromWalletAddress,
    [property: JsonPropertyName("recipientAddress")] string RecipientAddress,
    [property: JsonPropertyName("inputToken")] string InputToken,
    [property: JsonPropertyName("inputTokenAmount")] string InputTokenAmount);

/// <summary>The portal's error shape: a machine code, a human detail, and the offending attribute when there is one.</summary>
internal sealed record PortalError(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("attribute")] string? Attribute);
