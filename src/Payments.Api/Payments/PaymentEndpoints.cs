using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Payments.Api.Auth;
using Payments.Api.Hosting;
using Payments.Api.Idempotency;
using Payments.Api.Validation;
using Payments.Contracts;
using Payments.Infrastructure.Documents;
using Payments.Infrastructure.Messaging;

namespace Payments.Api.Payments;

internal static class PaymentEndpoints
{
    private const string LoggerName = "Payments.Api.Payments";

    public static IEndpointRouteBuilder MapPayments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/payments")
            .RequireAuthorization(ApiKeyDefaults.ClientPolicy)
            .WithTags("Payments");

        group.MapPost("", CreateAsync)
            .WithName("CreatePayment")
            .WithSummary("Creates a payment intent and answers once the saga has stored it.")
            .Accepts<CreatePaymentRequest>("application/json")
            .AcceptsIdempotencyKey()
            .Produces<PaymentCreatedResponse>(StatusCodes.Status201Created)
            .ProducesHeader(StatusCodes.Status201Created, ResponseOpenApiTransformers.LocationHeader, "The payment's status document.")
            .ProducesValidationProblem()
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesHeader(StatusCodes.Status503ServiceUnavailable, ResponseOpenApiTransformers.RetryAfterHeader,
                "Seconds to wait before retrying.", type: JsonSchemaType.Integer);

        group.MapPost("/{reference}/transaction", SubmitTransactionAsync)
            .WithName("SubmitTransaction")
            .WithSummary("Submits the MiniKit transaction id of a payment for verification.")
            .Accepts<SubmitTransactionRequest>("application/json")
            .Produces<TransactionAcceptedResponse>(StatusCodes.Status202Accepted)
            .ProducesHeader(StatusCodes.Status202Accepted, ResponseOpenApiTransformers.LocationHeader, "The payment's status document.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesHeader(StatusCodes.Status503ServiceUnavailable, ResponseOpenApiTransformers.RetryAfterHeader,
                "Seconds to wait before retrying.", type: JsonSchemaType.Integer);

        group.MapGet("/{reference}", GetAsync)
            .WithName("GetPayment")
            .WithSummary("Reads the status document of a payment.")
            .Produces<PaymentStatusDocument>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    private static async Task<IResult> CreateAsync(
        HttpContext context,
        [FromServices] IRequestClient<InitiatePayment> initiations,
        [FromServices] IIdempotencyStore idempotency,
        [FromServices] IPaymentReader reader,
        [FromServices] PublishDeadline deadline,
        IOptions<PaymentsApiOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var (idempotencyKey, keyError) = IdempotencyRequest.Read(context.Request);
        if (keyError is not null)
        {
            return Problems.Validation(IdempotencyRequest.Header, keyError);
        }

        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, PaymentValidation.PaymentFields, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var payment = PaymentValidation.Validate(body);
        if (payment is null)
        {
            return Problems.Validation(body.Errors);
        }

        var logger = loggers.CreateLogger(LoggerName);
        var settings = options.Value;
        var client = context.User.ClientName();

        // Version 7: time-ordered ids keep the saga table's primary-key index append-mostly.
        var paymentId = Guid.CreateVersion7(time.GetUtcNow());
        if (idempotencyKey is not null)
        {
            var requestHash = IdempotencyRequest.Hash(payment);
            try
            {
                var record = await idempotency.ClaimAsync(client, idempotencyKey, requestHash, paymentId, cancellationToken);
                if (!record.RequestHash.AsSpan().SequenceEqual(requestHash))
                {
                    Log.IdempotencyKeyMismatch(logger, client);
                    return Problems.IdempotencyKeyReused();
                }

                // An answer stored with the key by an earlier version of the API (it wrote the first answer into the key row).
                if (record is { IntentStatus: { } status, IntentExpiresAt: { } expiresAt })
                {
                    return Replay(context, logger, record.PaymentId, client, status, expiresAt);
                }

                // A repeat: the first answer is the stored intent as it was created (AwaitingTransaction, its deadline), read
                // from the saga's row. A read, where storing the answer with the key cost every first use a commit.
                if (record.PaymentId != paymentId && await reader.FindAsync(record.PaymentId, client, cancellationToken) is { } stored)
                {
                    return Replay(context, logger, record.PaymentId, client, PaymentStatuses.AwaitingTransaction, stored.ExpiresAt);
                }

                // A first use, a concurrent one, or a repeat of one the saga has not stored yet: each asks the saga for the
                // key's intent, which creates it once and answers every repeat from what it stored.
                paymentId = record.PaymentId;
            }
            catch (Exception exception) when (IdempotencyDbContext.IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
            {
                // The key's row or the intent's: both live in the one database.
                Log.IdempotencyStoreUnavailable(logger, exception.GetType().Name);
                return Unavailable(context, settings, idempotent: true);
            }
        }

        var reference = paymentId.ToString("N");
        try
        {
            // The request's timeout bounds its send as well: the confirmation of a send can be lost with its connection.
            var response = await deadline.RunAsync(
                token => initiations.GetResponse<PaymentInitiated>(
                    new InitiatePayment(paymentId, payment.UserId, payment.Token, payment.AmountBaseUnits, payment.Recipient, client),
                    token,
                    RequestTimeout.After(ms: (int)Math.Ceiling(settings.InitiateTimeout.TotalMilliseconds))),
                settings.InitiateTimeout,
                cancellationToken);

            Log.PaymentInitiated(logger, reference, client);
            var initiated = response.Message;
            return Created(reference, initiated.Status, initiated.ExpiresAt);
        }
        catch (Exception exception) when (exception is RequestException or PublishTimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // Timeout or a fault in the saga: the intent may or may not exist. Without a key the client holds no reference
            // to it, so it expires unused; with a key, a retry asks for this very intent.
            Log.InitiationUnavailable(logger, reference, client, exception is RequestException and not RequestTimeoutException ? "fault" : "timeout");
            return Unavailable(context, settings, idempotent: idempotencyKey is not null);
        }
    }

    private static Created<PaymentCreatedResponse> Replay(
        HttpContext context, ILogger logger, Guid paymentId, string client, string status, DateTimeOffset expiresAt)
    {
        var reference = paymentId.ToString("N");
        Log.IdempotentReplay(logger, reference, client);
        context.Response.Headers[IdempotencyRequest.ReplayedHeader] = "true";
        return Created(reference, status, expiresAt);
    }

    /// <remarks>
    /// The deadline is cut to whole microseconds, PostgreSQL's precision: the first answer, a replay of it (read back from
    /// the key store) and the status document then show the same instant.
    /// </remarks>
    private static Created<PaymentCreatedResponse> Created(string reference, string status, DateTimeOffset expiresAt) =>
        TypedResults.Created(
            $"/api/payments/{reference}",
            new PaymentCreatedResponse(reference, status, expiresAt.AddTicks(-(expiresAt.Ticks % TimeSpan.TicksPerMicrosecond))));

    private static IResult Unavailable(HttpContext context, PaymentsApiOptions settings, bool idempotent)
    {
        return Problems.Unavailable(
            context,
            settings.RetryAfterSeconds,
            title: "The payment could not be created right now.",
            detail: idempotent
                ? $"The payment service did not confirm the intent in time. Retrying with the same {IdempotencyRequest.Header} is safe: it answers for the same intent and never creates a second one."
                : $"The payment service did not confirm the intent in time. Retry later; send an {IdempotencyRequest.Header} header to make the retry safe (without it a retry may create a second intent).");
    }

    private static async Task<IResult> SubmitTransactionAsync(
        string reference,
        HttpContext context,
        [FromServices] IPaymentReader reader,
        [FromServices] IPublishEndpoint publisher,
        [FromServices] PublishDeadline deadline,
        IOptions<PaymentsApiOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!PaymentValidation.TryParseReference(reference, out var paymentId))
        {
            return Problems.InvalidReference();
        }

        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, PaymentValidation.TransactionFields, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var transactionId = PaymentValidation.ValidateTransaction(body);
        if (transactionId is null)
        {
            return Problems.Validation(body.Errors);
        }

        var client = context.User.ClientName();
        var payment = await reader.FindAsync(paymentId, client, cancellationToken);
        if (payment is null)
        {
            return Problems.NotFound(reference);
        }

        var logger = loggers.CreateLogger(LoggerName);
        var sameTransaction = string.Equals(payment.TransactionId, transactionId, StringComparison.Ordinal);
        var conflict = SubmissionConflict(payment.CurrentState, payment.TransactionId, sameTransaction);
        if (conflict is not null)
        {
            Log.TransactionConflict(logger, reference, client, payment.CurrentState);
            return Problems.Conflict(conflict);
        }

        // The same transaction again is published again and the saga decides whether to re-send the verification: it can
        // tell a lost command from one still being worked on, the API cannot.
        try
        {
            await deadline.RunAsync(token => publisher.Publish(new PaymentTransactionSubmitted(paymentId, transactionId), token), cancellationToken);
        }
        catch (PublishTimeoutException) when (!cancellationToken.IsCancellationRequested)
        {
            // The submission may or may not be on its way; sending it again is safe, as for any repeat of the same transaction.
            Log.SubmissionUnavailable(logger, reference, client);
            return Problems.Unavailable(
                context,
                options.Value.RetryAfterSeconds,
                title: "The transaction could not be submitted right now.",
                detail: "The payment service did not confirm the submission in time. Submitting the same transaction again is safe.");
        }

        Log.TransactionSubmitted(logger, reference, client, transactionId, sameTransaction, payment.CurrentState == PaymentStatuses.Expired);
        return TypedResults.Accepted(
            $"/api/payments/{reference}",
            new TransactionAcceptedResponse(reference, PaymentStatuses.Verifying));
    }

    private static async Task<IResult> GetAsync(
        string reference,
        HttpContext context,
        [FromServices] IPaymentReader reader,
        CancellationToken cancellationToken)
    {
        if (!PaymentValidation.TryParseReference(reference, out var paymentId))
        {
            return Problems.InvalidReference();
        }

        var payment = await reader.FindAsync(paymentId, context.User.ClientName(), cancellationToken);
        if (payment is null)
        {
            return Problems.NotFound(reference);
        }

        return TypedResults.Ok(PaymentStatusDocument.From(payment, await reader.FindLatestWebhookEventAsync(paymentId, cancellationToken)));
    }

    /// <summary>
    /// Why a submission is refused, or null when it is accepted. Accepting statuses are listed rather than refusing ones, so a
    /// status added later (Refunded, ...) is refused until someone decides otherwise.
    /// </summary>
    private static string? SubmissionConflict(string status, string? storedTransactionId, bool sameTransaction) =>
        status switch
        {
            // Expired accepts a transaction: the user may have paid just before the deadline and submitted after it; the saga
            // verifies the late payment like any other.
            PaymentStatuses.AwaitingTransaction or PaymentStatuses.Verifying or PaymentStatuses.Expired =>
                storedTransactionId is null || sameTransaction
                    ? null
                    : $"Another transaction is already submitted for this payment (status {status}); a payment takes one transaction.",
            PaymentStatuses.NeedsReview =>
                "The payment is NeedsReview: it waits for an operator's decision and accepts no transaction.",
            _ => $"The payment is {status}, a final status: it accepts no transaction.",
        };
}
