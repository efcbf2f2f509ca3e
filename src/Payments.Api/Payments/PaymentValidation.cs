using Payments.Infrastructure.Tokens;
using System.Globalization;
using System.Text.RegularExpressions;
using Payments.Api.Validation;

namespace Payments.Api.Payments;

/// <summary>
/// Checks request bodies and the reference path parameter. Every bad field gets its own entry keyed by its camelCase name,
/// so a client sees all of its mistakes at once.
/// </summary>
internal static partial class PaymentValidation
{
    public const int MaxUserIdLength = 128;

    /// <summary>The properties of <see cref="CreatePaymentRequest"/>; any other property is refused.</summary>
    public static IReadOnlyList<string> PaymentFields { get; } = ["userId", "amount", "token", "recipient"];

    /// <summary>The properties of <see cref="SubmitTransactionRequest"/>.</summary>
    public static IReadOnlyList<string> TransactionFields { get; } = ["transactionId"];

    internal sealed record ValidPayment(string UserId, string Token, string AmountBaseUnits, string Recipient);

    /// <summary>Checks the fields of a body read with <see cref="PaymentFields"/>, adding to its errors.</summary>
    public static ValidPayment? Validate(JsonFields body)
    {
        var errors = body.Errors;
        var userId = body.Get("userId");
        var amount = body.Get("amount");
        var token = body.Get("token");
        var recipient = body.Get("recipient");

        if (!errors.ContainsKey("userId"))
        {
            if (string.IsNullOrWhiteSpace(userId))
            {
                errors["userId"] = ["userId is required."];
            }
            else if (userId.Length > MaxUserIdLength)
            {
                errors["userId"] = [$"userId must be at most {MaxUserIdLength} characters."];
            }
        }

        var tokenKnown = false;
        var canonicalToken = string.Empty;
        var decimals = 0;
        if (!errors.ContainsKey("token"))
        {
            if (string.IsNullOrEmpty(token))
            {
                errors["token"] = ["token is required."];
            }
            else if (!(tokenKnown = Tokens.TryGetDecimals(token, out canonicalToken, out decimals)))
            {
                errors["token"] = [$"token must be one of: {string.Join(", ", Tokens.Symbols)}."];
            }
        }

        var baseUnits = string.Empty;
        if (!errors.ContainsKey("amount"))
        {
            if (string.IsNullOrEmpty(amount))
            {
                errors["amount"] = ["amount is required."];
            }
            else
            {
                // Without a known token the decimals are unknown: judge the shape and sign only.
                var result = TokenAmount.TryToBaseUnits(amount, tokenKnown ? decimals : TokenAmount.MaxLength, out var units);
                if (!tokenKnown && result is TokenAmount.ParseError.TooManyDecimals or TokenAmount.ParseError.TooLarge)
                {
                    result = TokenAmount.ParseError.None;
                }

                var error = result switch
                {
                    TokenAmount.ParseError.None => null,
                    TokenAmount.ParseError.NotADecimal =>
                        "amount must be a decimal string in whole token units, digits with an optional dot (e.g. \"1.5\").",
                    TokenAmount.ParseError.TooManyDecimals => $"amount has more decimal places than {canonicalToken} allows ({decimals}).",
                    TokenAmount.ParseError.NotPositive => "amount must be greater than zero.",
                    _ => "amount is too large.",
                };
                if (error is not null)
                {
                    errors["amount"] = [error];
                }

                baseUnits = units.ToString(CultureInfo.InvariantCulture);
            }
        }

        if (!errors.ContainsKey("recipient"))
        {
            if (string.IsNullOrEmpty(recipient))
            {
                errors["recipient"] = ["recipient is required."];
            }
            else if (!RecipientPattern().IsMatch(recipient))
            {
                errors["recipient"] = ["recipient must be 0x followed by 40 hex digits."];
            }
            else if (recipient.AsSpan(2).IndexOfAnyExcept('0') < 0)
            {
                // Nobody holds the key of the zero address: a payment sent there is burned, never received.
                errors["recipient"] = ["recipient must not be the zero address."];
            }
        }

        return errors.Count == 0
            ? new ValidPayment(userId!, canonicalToken, baseUnits, recipient!.ToLowerInvariant())
            : null;
    }

    /// <summary>Checks the field of a body read with <see cref="TransactionFields"/>, adding to its errors.</summary>
    public static string? ValidateTransaction(JsonFields body)
    {
        var errors = body.Errors;
        var transactionId = body.Get("transactionId");
        if (!errors.ContainsKey("transactionId"))
        {
            if (string.IsNullOrEmpty(transactionId))
            {
                errors["transactionId"] = ["transactionId is required."];
            }
            else if (!TransactionIdPattern().IsMatch(transactionId))
            {
                errors["transactionId"] = ["transactionId must be 0x followed by 64 lower-case hex digits."];
            }
        }

        // Other entries (an unknown property) refuse the body as well, however good the id.
        return errors.Count == 0 ? transactionId : null;
    }

    /// <summary>A reference is the saga id's 32 lower-case hex digits (<c>Guid.ToString("N")</c>).</summary>
    public static bool TryParseReference(string reference, out Guid paymentId)
    {
        paymentId = Guid.Empty;
        return ReferencePattern().IsMatch(reference) && Guid.TryParseExact(reference, "N", out paymentId);
    }

    // \z rather than $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^0x[0-9a-fA-F]{40}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RecipientPattern();

    [GeneratedRegex(@"^0x[0-9a-f]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TransactionIdPattern();

    [GeneratedRegex(@"^[0-9a-f]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
