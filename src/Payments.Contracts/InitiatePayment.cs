namespace Payments.Contracts;

/// <summary>
/// Command (request/response) from the API to the payment saga: create a payment intent.
/// Answered with <see cref="PaymentInitiated"/> once the intent is stored.
/// </summary>
/// <param name="PaymentId">Saga correlation id; the public reference is its 32-hex form (<c>Guid.ToString("N")</c>).</param>
/// <param name="UserId">The mini-app's user identifier.</param>
/// <param name="Token">Token symbol: <c>WLD</c> or <c>USDC</c>.</param>
/// <param name="Amount">Expected amount in token base units (a non-negative integer as a decimal string).</param>
/// <param name="Recipient">Expected recipient address, <c>0x</c> followed by 40 hex digits, lower-cased.</param>
/// <param name="ClientId">
/// The API client that creates the intent and alone may read it or submit its transaction; <c>default</c> when a sender
/// names none.
/// </param>
public sealed record InitiatePayment(Guid PaymentId, string UserId, string Token, string Amount, string Recipient, string ClientId = InitiatePayment.DefaultClient)
{
    /// <summary>The client of keys that name no client, and of intents created before clients existed.</summary>
    public const string DefaultClient = "default";
}
