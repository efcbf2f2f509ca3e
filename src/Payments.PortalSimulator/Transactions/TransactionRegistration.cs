namespace Payments.PortalSimulator.Transactions;

/// <summary>Body of <c>POST /_sim/transactions</c>; nullable so that a missing field is a 400, not a binding error.</summary>
public sealed record TransactionRegistration(
    string? TransactionId,
    string? Reference,
    string? To,
    string? Token,
    string? TokenAmount,
    string? FinalStatus,
    int? PendingPolls,
    int? HashMissingPolls,
    int? NotFoundPolls,
    string? TransactionHash,
    int? PendingForSeconds = null);
