using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Payments.Consumer.Portal;
using Payments.Consumer.Verification;
using Payments.Contracts;
using Payments.Infrastructure.Messaging;
using Payments.IntegrationTests.Fixtures;

namespace Payments.IntegrationTests.Verification;

/// <summary>Answers from a script, one step per call; the last step repeats once the script runs out.</summary>
public sealed class ScriptedPortalClient : IDeveloperPortalClient
{
    private readonly ConcurrentQueue<Func<PortalLookup>> _script = new();
    private Func<PortalLookup>? _last;
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public ScriptedPortalClient Returns(PortalLookup lookup) => Then(() => lookup);

    public ScriptedPortalClient Throws(Func<Exception> exception) => Then(() => throw exception());

    public ValueTask<PortalLookup> GetTransactionAsync(string transactionId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        if (_script.TryDequeue(out var next))
        {
            _last = next;
        }

        var step = _last ?? throw new InvalidOperationException("The scripted portal has no answer.");
        return ValueTask.FromResult(step());
    }

    private ScriptedPortalClient Then(Func<PortalLookup> step)
    {
        _script.Enqueue(step);
        return this;
    }
}

/// <summary>One delivery of <see cref="VerifyPayment"/> to the consumer, with the headers it came with.</summary>
public sealed record VerifyDelivery(Guid PaymentId, Guid? MessageId, long Timestamp, int? RedeliveryCount, int? DeferralCount, int? PendingCheckCount);

/// <summary>What went through the verification endpoint and what it published, with bounded waits on both.</summary>
public sealed class VerificationLog : IConsumeMessageObserver<VerifyPayment>
{
    private readonly ConcurrentQueue<VerifyDelivery> _deliveries = new();
    private readonly ConcurrentQueue<object> _events = new();

    public IReadOnlyList<VerifyDelivery> Deliveries => [.. _deliveries];

    public IReadOnlyList<T> Events<T>() => [.. _events.OfType<T>()];

    public void RecordEvent(object message) => _events.Enqueue(message);

    public Task PreConsume(ConsumeContext<VerifyPayment> context)
    {
        _deliveries.Enqueue(new VerifyDelivery(
            context.Message.PaymentId,
            context.MessageId,
            Stopwatch.GetTimestamp(),
            ReadHeader(context, MassTransit.MessageHeaders.RedeliveryCount),
            ReadHeader(context, Contracts.MessageHeaders.DeferralCount),
            ReadHeader(context, Contracts.MessageHeaders.PendingCheckCount)));
        return Task.CompletedTask;
    }

    public Task PostConsume(ConsumeContext<VerifyPayment> context) => Task.CompletedTask;

    public Task ConsumeFault(ConsumeContext<VerifyPayment> context, Exception exception) => Task.CompletedTask;

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="timeout"/>.</summary>
    public static Task WaitUntil(Func<bool> condition, TimeSpan timeout, string because) =>
        WaitUntil(() => Task.FromResult(condition()), timeout, because);

    /// <summary>Polls until <paramref name="condition"/> holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"Not within {timeout}: {because}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25));
        }
    }

    private static int? ReadHeader(ConsumeContext context, string header) =>
        context.Headers.TryGetHeader(header, out var value) && value is not null
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;
}

/// <summary>Records every event the verification consumer publishes (endpoint <c>verification-events</c>).</summary>
public sealed class VerificationEventsConsumer(VerificationLog log) :
    IConsumer<PaymentVerified>,
    IConsumer<PaymentRejected>,
    IConsumer<PaymentVerificationPending>,
    IConsumer<PaymentVerificationDeferred>,
    IConsumer<Fault<VerifyPayment>>
{
    public Task Consume(ConsumeContext<PaymentVerified> context) => Record(context.Message);

    public Task Consume(ConsumeContext<PaymentRejected> context) => Record(context.Message);

    public Task Consume(ConsumeContext<PaymentVerificationPending> context) => Record(context.Message);

    public Task Consume(ConsumeContext<PaymentVerificationDeferred> context) => Record(context.Message);

    public Task Consume(ConsumeContext<Fault<VerifyPayment>> context) => Record(context.Message);

    private Task Record(object message)
    {
        log.RecordEvent(message);
        return Task.CompletedTask;
    }
}

public static class VerificationTestHost
{
    /// <summary>
    /// The verification consumer wired as the worker wires it (<c>AddPaymentVerification</c>, <c>AddPaymentsRabbitMq</c>)
    /// on the test's virtual host, with <paramref name="portal"/> standing in for the portal client.
    /// </summary>
    public static Task<IHost> StartAsync(
        RabbitMqTestVirtualHost vhost,
        VerificationLog log,
        IDeveloperPortalClient portal,
        IReadOnlyDictionary<string, string?> settings) =>
        StartAsync(vhost, log, settings, builder => builder.Services.AddSingleton(portal));

    /// <summary>As above, with the portal client registered by <paramref name="addPortal"/> (e.g. the real one).</summary>
    public static async Task<IHost> StartAsync(
        RabbitMqTestVirtualHost vhost,
        VerificationLog log,
        IReadOnlyDictionary<string, string?> settings,
        Action<HostApplicationBuilder> addPortal)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(vhost.Configuration);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton(log);
        addPortal(builder);
        builder.Services.AddPaymentVerification();
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromSeconds(60);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.AddPaymentVerificationConsumer();
            x.AddConsumer<VerificationEventsConsumer>();
            x.AddPaymentsRabbitMq();
        });

        var host = builder.Build();
        host.Services.GetRequiredService<IBus>().ConnectConsumeMessageObserver(log);
        await host.StartAsync();
        return host;
    }

    public static async Task SendAsync(IHost host, VerifyPayment command)
    {
        var endpoint = await host.Services.GetRequiredService<IBus>()
            .GetSendEndpoint(QueueAddress.For(VerifyPaymentConsumerDefinition.QueueName));
        await endpoint.Send(command);
    }
}
