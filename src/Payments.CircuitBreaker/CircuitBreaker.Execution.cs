namespace Payments.CircuitBreaker;

// The throwing entry point: a permit, the operation, its classification and the permit completed exactly once.
public sealed partial class CircuitBreaker
{
    /// <summary>
    /// Runs <paramref name="operation"/> unless the call is rejected, in which case the returned task faults with
    /// <see cref="CircuitBreakerOpenException"/> and the operation is not called. <paramref name="classifier"/> receives the result
    /// or the exception and decides the outcome; an exception from the operation is rethrown after being classified. An
    /// <see cref="OperationCanceledException"/> while <paramref name="cancellationToken"/> is cancelled is
    /// <see cref="CallOutcome.Ignored"/> without asking the classifier.
    /// </summary>
    public ValueTask<TResult> ExecuteAsync<TResult>(
        Func<CancellationToken, ValueTask<TResult>> operation,
        Func<TResult?, Exception?, CallOutcome> classifier,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(classifier);

        if (!TryAcquire(out var permit, out var retryAfter))
        {
            return ValueTask.FromException<TResult>(new CircuitBreakerOpenException(Name, State, retryAfter));
        }

        ValueTask<TResult> pending;
        try
        {
            pending = operation(cancellationToken);
        }
        catch (Exception exception)
        {
            pending = ValueTask.FromException<TResult>(exception);
        }

        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            CompleteWithResult(permit, classifier, result);
            return new ValueTask<TResult>(result);
        }

        return AwaitAndCompleteAsync(pending, permit, classifier, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> unless rejected (see the overload with a classifier). A result is a success; an exception
    /// is a failure, except an <see cref="OperationCanceledException"/> that is not a timeout (its inner exception is not a
    /// <see cref="TimeoutException"/>), which is ignored.
    /// </summary>
    public ValueTask<TResult> ExecuteAsync<TResult>(
        Func<CancellationToken, ValueTask<TResult>> operation,
        CancellationToken cancellationToken = default) =>
        ExecuteAsync(operation, DefaultClassifier<TResult>.Instance, cancellationToken);

    private static async ValueTask<TResult> AwaitAndCompleteAsync<TResult>(
        ValueTask<TResult> pending,
        CircuitPermit permit,
        Func<TResult?, Exception?, CallOutcome> classifier,
        CancellationToken cancellationToken)
    {
        TResult result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            CompleteWithException(permit, classifier, exception, cancellationToken);
            throw;
        }

        CompleteWithResult(permit, classifier, result);
        return result;
    }

    private static void CompleteWithResult<TResult>(CircuitPermit permit, Func<TResult?, Exception?, CallOutcome> classifier, TResult result)
    {
        CallOutcome outcome;
        try
        {
            outcome = classifier(result, null);
        }
        catch (Exception)
        {
            // A failing classifier says nothing about the dependency; give the permit back before surfacing the bug.
            permit.Complete(CallOutcome.Ignored);
            throw;
        }

        permit.Complete(outcome);
    }

    private static void CompleteWithException<TResult>(
        CircuitPermit permit,
        Func<TResult?, Exception?, CallOutcome> classifier,
        Exception exception,
        CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            permit.Complete(CallOutcome.Ignored, exception);
            return;
        }

        CallOutcome outcome;
        try
        {
            outcome = classifier(default, exception);
        }
        catch (Exception classifierException)
        {
            // Keep the permit accounting right, then surface the classifier's own bug.
            permit.Complete(CallOutcome.Ignored, classifierException);
            throw;
        }

        permit.Complete(outcome, exception);
    }

    private static class DefaultClassifier<TResult>
    {
        public static readonly Func<TResult?, Exception?, CallOutcome> Instance = static (_, exception) => exception switch
        {
            null => CallOutcome.Success,
            OperationCanceledException { InnerException: TimeoutException } => CallOutcome.Failure,
            OperationCanceledException => CallOutcome.Ignored,
            _ => CallOutcome.Failure,
        };
    }
}
