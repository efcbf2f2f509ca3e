namespace Payments.Contracts;

/// <summary>
/// Command from the reconciler to the payment saga: the intent looked stuck (verifying with nobody reporting, or waiting past
/// its deadline). The saga checks again under its own lock and re-sends the verification or expires the intent.
/// </summary>
/// <param name="PaymentId">Saga correlation id.</param>
public sealed record ReconcilePayment(Guid PaymentId);
