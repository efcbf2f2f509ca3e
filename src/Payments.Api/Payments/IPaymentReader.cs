using Payments.Infrastructure.Persistence;

namespace Payments.Api.Payments;

/// <summary>Reads saga rows for the API; a seam so endpoint tests need no database.</summary>
internal interface IPaymentReader
{
    Task<PaymentState?> FindAsync(Guid paymentId, CancellationToken cancellationToken);
}
