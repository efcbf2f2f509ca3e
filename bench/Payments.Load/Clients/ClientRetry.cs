using System.Diagnostics;
using System.Net;

namespace Payments.Load.Clients;

/// <summary>
/// How a careful mini-app backend calls the API: an answer that says "later" (503, 429, 502, 504) or no answer at all
/// (connection refused or reset, the client's own timeout) is retried after a growing pause, until a deadline. An initiation
/// keeps its <c>Idempotency-Key</c> across the retries, so a retry never makes a second intent; a submission of the same
/// transaction is safe to repeat as it is.
/// </summary>
public static class ClientRetry
{
    private static readonly TimeSpan _firstPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan _longestPause = TimeSpan.FromSeconds(5);

    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan giveUpAfter, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var pause = _firstPause;
        while (true)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (Exception exception) when (IsRetryable(exception, cancellationToken) && Stopwatch.GetElapsedTime(started) + pause < giveUpAfter)
            {
                await Task.Delay(pause, cancellationToken);
                pause = pause * 2 < _longestPause ? pause * 2 : _longestPause;
            }
        }
    }

    public static Task RunAsync(Func<CancellationToken, Task> call, TimeSpan giveUpAfter, CancellationToken cancellationToken) =>
        RunAsync(
            async token =>
            {
                await call(token);
                return true;
            },
            giveUpAfter,
            cancellationToken);

    /// <summary>An answer that asks to come back later, or none at all; not the caller's own cancellation.</summary>
    public static bool IsRetryable(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout } => true,
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
