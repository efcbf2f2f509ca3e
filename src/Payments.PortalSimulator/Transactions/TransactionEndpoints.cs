using System.Text.RegularExpressions;
using Payments.PortalSimulator.Portal;

namespace Payments.PortalSimulator.Transactions;

internal static partial class TransactionEndpoints
{
    // Days of polling at any sane interval; bounded so that the poll phases added together cannot overflow an int.
    private const int MaxPolls = 1_000_000;
    private const int MaxPendingForSeconds = 86_400;

    public static IServiceCollection AddSimulatedTransactions(this IServiceCollection services) =>
        services.AddSingleton<TransactionStore>();

    public static IEndpointRouteBuilder MapTransactionEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/_sim/transactions", Register);
        endpoints.MapGet("/_sim/transactions/{transactionId}", (string transactionId, TransactionStore store) =>
            store.Find(transactionId) is { } transaction
                ? Results.Ok(new { transaction.TransactionId, transaction.Polls, transaction.FinalStatus })
                : Results.NotFound(new { code = "not_found" }));
        return endpoints;
    }

    private static IResult Register(
        TransactionRegistration registration,
        TransactionStore store,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        var errors = Validate(registration);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var transaction = new SimulatedTransaction(
            registration.TransactionId!,
            registration.Reference!,
            registration.To!,
            registration.Token!,
            registration.TokenAmount!,
            AnsweredStatus(registration.FinalStatus),
            registration.PendingPolls ?? 0,
            registration.HashMissingPolls ?? 0,
            registration.NotFoundPolls ?? 0,
            registration.TransactionHash,
            timeProvider.GetUtcNow(),
            TimeSpan.FromSeconds(registration.PendingForSeconds ?? 0));
        store.Register(transaction);
        Log.TransactionRegistered(
            loggerFactory.CreateLogger(typeof(TransactionEndpoints).FullName!),
            transaction.TransactionId,
            transaction.FinalStatus,
            transaction.PendingPolls,
            transaction.HashMissingPolls,
            transaction.NotFoundPolls);

        return Results.Created(
            $"/_sim/transactions/{transaction.TransactionId}",
            new
            {
                transaction.TransactionId,
                transaction.Reference,
                transaction.To,
                transaction.Token,
                transaction.TokenAmount,
                transaction.FinalStatus,
                transaction.PendingPolls,
                transaction.HashMissingPolls,
                transaction.NotFoundPolls,
                transaction.TransactionHash,
                PendingForSeconds = (int)transaction.PendingFor.TotalSeconds,
            });
    }

    private static Dictionary<string, string[]> Validate(TransactionRegistration registration)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (registration.TransactionId is null || !PortalApi.IsValidTransactionId(registration.TransactionId))
        {
            errors["transactionId"] = ["required, 0x followed by 64 lowercase hex digits"];
        }

        if (string.IsNullOrWhiteSpace(registration.Reference))
        {
            errors["reference"] = ["required"];
        }

        if (string.IsNullOrWhiteSpace(registration.To))
        {
            errors["to"] = ["required"];
        }

        // Any non-empty string, answered as given: the portal's token symbols vary (USDCE, USDC.e, ...) and the consumer
        // must be rehearsed against the ones it does not know.
        if (string.IsNullOrEmpty(registration.Token))
        {
            errors["token"] = ["required, any non-empty string"];
        }

        if (registration.TokenAmount is null || !BaseUnits().IsMatch(registration.TokenAmount))
        {
            errors["tokenAmount"] = ["required, an integer amount in token base units"];
        }

        // An unknown word must be asked for with other:, so that a typo of mined or failed is still a 400.
        if (registration.FinalStatus is not (null or TransactionStatuses.Mined or TransactionStatuses.Failed)
            && !TransactionStatuses.IsOther(registration.FinalStatus))
        {
            errors["finalStatus"] = ["mined, failed, or other:<word> to answer any other non-empty word as the status"];
        }

        ValidatePolls(errors, "pendingPolls", registration.PendingPolls);
        ValidatePolls(errors, "hashMissingPolls", registration.HashMissingPolls);
        ValidatePolls(errors, "notFoundPolls", registration.NotFoundPolls);
        if (registration.PendingForSeconds is < 0 or > MaxPendingForSeconds)
        {
            errors["pendingForSeconds"] = ["0 to 86400"];
        }

        return errors;
    }

    private static string AnsweredStatus(string? finalStatus) => finalStatus switch
    {
        null => TransactionStatuses.Mined,
        _ when TransactionStatuses.IsOther(finalStatus) => finalStatus[TransactionStatuses.OtherPrefix.Length..],
        _ => finalStatus,
    };

    private static void ValidatePolls(Dictionary<string, string[]> errors, string field, int? polls)
    {
        if (polls is < 0 or > MaxPolls)
        {
            errors[field] = ["0 to 1000000"];
        }
    }

    // \z, not $: $ also matches before a trailing newline.
    [GeneratedRegex(@"^[0-9]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex BaseUnits();
}
