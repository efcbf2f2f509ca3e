using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.Infrastructure.Messaging;

/// <summary>
/// The longest a publish or a send waits for the broker. With publisher confirms a publish waits for the broker's
/// confirmation, and RabbitMQ.Client 7.2 leaves that wait pending when the connection goes away under it (the client's open
/// issue "BasicPublishAsync hangs after RabbitMQ server restart"): MassTransit waits with the caller's token, so only the
/// caller can end it. Every publish and send the services' own code makes takes its token from here. What MassTransit
/// sends for a message being consumed (a saga's replies and sends, faults, redeliveries) takes the message's token, which
/// <see cref="RabbitMqOptions.ConsumerStopTimeout"/> cancels once the endpoint stops for the lost connection.
/// </summary>
/// <remarks>
/// <para>
/// A publish that runs out of time throws <see cref="PublishTimeoutException"/>. The message may or may not have reached
/// the broker, so what follows must be safe to repeat, as every consumer and saga step here is: a consumer fails the
/// message (it comes back by redelivery, or from the broker once the dead connection is gone), the API answers 503.
/// </para>
/// <para>
/// Never for a send that an outbox defers (the saga's, and the scheduler's inside a saga step): the deferred send runs
/// after this deadline's token is disposed, and a disposed source cancels nothing. Those take the message's token.
/// </para>
/// </remarks>
public sealed class PublishDeadline(IOptions<RabbitMqOptions> options, TimeProvider time, ResponseEndpointStart? responseEndpoint = null)
{
    public TimeSpan Timeout => options.Value.PublishTimeout;

    /// <summary>Runs <paramref name="publish"/> with a token that <paramref name="cancellationToken"/> or the deadline cancels.</summary>
    public Task RunAsync(Func<CancellationToken, Task> publish, CancellationToken cancellationToken) =>
        RunAsync(
            async token =>
            {
                await publish(token);
                return true;
            },
            Timeout,
            cancellationToken);

    /// <summary>
    /// A request and its response (MassTransit's request client), bounded by the request's own timeout; in a process with
    /// a <see cref="ResponseEndpointStart"/>, the wait for it counts against the same timeout.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            if (responseEndpoint is not null)
            {
                await responseEndpoint.WaitAsync(linked.Token);
            }

            return await request(linked.Token);
        }
        catch (OperationCanceledException exception) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PublishTimeoutException(timeout, exception);
        }
    }
}

public static class PublishDeadlineRegistration
{
    /// <summary><see cref="PublishDeadline"/> on <c>RabbitMq:PublishTimeout</c>; idempotent, so every feature that publishes asks for it.</summary>
    public static IServiceCollection AddPublishDeadline(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<PublishDeadline>();
        return services;
    }
}

/// <summary>The broker did not take a message within the <see cref="PublishDeadline"/>; it may or may not have it.</summary>
public sealed class PublishTimeoutException(TimeSpan timeout, Exception innerException)
    : TimeoutException($"The broker did not confirm the message within {timeout.TotalSeconds:0.###} s.", innerException);
