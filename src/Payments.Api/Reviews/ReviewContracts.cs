using Payments.Infrastructure.Documents;

namespace Payments.Api.Reviews;

/// <summary>Body of <c>POST /api/admin/payments/{reference}/resolve</c>.</summary>
internal sealed record ResolvePaymentRequest(string Resolution, string Note);

/// <summary>One page of <c>GET /api/admin/payments</c>; <c>nextCursor</c> is null on the last page.</summary>
internal sealed record AdminPaymentPage(IReadOnlyList<AdminPaymentItem> Items, string? NextCursor);

/// <summary>
/// One intent of a listing: the client it belongs to beside its status document, which stays exactly the document a client
/// reads (and a webhook carries), so one parser reads both.
/// </summary>
internal sealed record AdminPaymentItem(string ClientId, PaymentStatusDocument Payment);
