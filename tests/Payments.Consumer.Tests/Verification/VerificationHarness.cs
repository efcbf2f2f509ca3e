using System.Diagnostics;
using MassTransit;
using MassTransit.InMemoryTransport;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Payments.Consumer.Portal;
using Payments.Consumer.Tests.Testing;
using Payments.Consumer.Verification;
using Payments.Contracts;

namespace Payments.Consumer.Tests.Verification;

/// <summary>
/// The verification consumer on the shared in-memory harness, with a scripted portal and fake time.
/// </summary>
/// <remarks>
/// The harness's own waits (<c>Published.Any</c>, <c>SelectAsync</c>) stop waiting for good once the bus has been idle,
/// which a test that moves time on between deliveries always is; so this class polls the harness's lists with a
/// deadline instead. MassTransit's in-memory delay clock is the wall clock plus the advanced offset, so short delays may
/// also expire on their own on a busy machine: delays are asserted from the send and from the events, not from how
/// late a delivery arrives.
/// </remarks>
internal sealed class VerificationHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan _deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan _quietPeriod = TimeSpan.FromMilliseconds(300);

    private readonly ServiceProvider _provider;

    private VerificationHarness(ServiceProvider provider, FakeDeveloperPortalClient portal, FakeTimeProvider time)
    {
        _provider = provider;
        Portal = portal;
        Time = time;
        Harness = provider.GetRequiredService<ITestHarness>();
    }

    public ITestHarness Harness { get; }

    public FakeDeveloperPortalClient Portal { get; }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _provider;

    public static async Task<VerificationHarness> StartAsync(
        FakeDeveloperPortalClient portal,
        IDictionary<string, string?>? settings = null,
        double jitterSample = 0.5,
        UnconfirmedPublishes? unconfirmed = null)
    {
        var time = new FakeTimeProvider(Start);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var provider = HarnessSetup.BuildHarness(
            bus => bus.AddPaymentVerificationConsumer(),
            services =>
            {
                services.AddSingleton<IConfiguration>(configuration);
                services.AddSingleton<IDeveloperPortalClient>(portal);
                services.AddSingleton(new DeferralJitter(() => jitterSample));
                services.AddPaymentVerification();
                if (unconfirmed is not null)
                {
                    services.AddSingleton(unconfirmed);
                }
            },
            time,
            unconfirmed is null ? null : (context, cfg) => cfg.UsePublishFilter(typeof(UnconfirmedPublishFilter<>), context));

        var harness = new VerificationHarness(provider, portal, time);
        await harness.Harness.Start();
        return harness;
    }

    public async Task SendAsync(VerifyPayment command, IReadOnlyDictionary<string, object>? headers = null)
    {
        var endpoint = await Harness.Bus.GetSendEndpoint(new Uri($"queue:{VerifyPaymentConsumerDefinition.QueueName}"));
        await endpoint.Send(command, context =>
        {
            foreach (var (key, value) in headers ?? new Dictionary<string, object>())
            {
                context.Headers.Set(key, value);
            }
        });
    }

    /// <summary>Moves MassTransit's in-memory delays and the application clock together.</summary>
    public async Task AdvanceAsync(TimeSpan duration)
    {
        Time.Advance(duration);
        await _provider.GetRequiredService<IInMemoryDelayProvider>().Advance(duration);
    }

    /// <summary>Events of type <typeparamref name="T"/> published so far, in order.</summary>
    public IReadOnlyList<T> Published<T>()
        where T : class =>
        Harness.Published.Select<T>(_ => true, new CancellationToken(canceled: true)).Select(m => m.Context.Message).ToList();

    /// <summary>Waits (bounded) for a published <typeparamref name="T"/> matching <paramref name="filter"/>.</summary>
    public Task<T> PublishedAsync<T>(Func<T, bool>? filter = null)
        where T : class =>
        EventuallyAsync(() => Published<T>().FirstOrDefault(m => filter?.Invoke(m) ?? true), $"a published {typeof(T).Name}");

    /// <summary>True if a <typeparamref name="T"/> shows up within a short real-time window.</summary>
    public async Task<bool> AnyPublishedSoonAsync<T>()
        where T : class
    {
        await Task.Delay(_quietPeriod);
        return Published<T>().Count > 0;
    }

    /// <summary>Deliveries of the command handled by the consumer so far, in order.</summary>
    public IReadOnlyList<IReceivedMessage<VerifyPayment>> Deliveries() =>
        Harness.GetConsumerHarness<VerifyPaymentConsumer>().Consumed
            .Select<VerifyPayment>(_ => true, new CancellationToken(canceled: true)).ToList();

    /// <summary>Waits (bounded) until the consumer has handled delivery number <paramref name="count"/>.</summary>
    public Task<IReceivedMessage<VerifyPayment>> DeliveryAsync(int count) =>
        EventuallyAsync(() => Deliveries().ElementAtOrDefault(count - 1), $"delivery {count} of VerifyPayment");

    /// <summary>True if a delivery beyond <paramref name="count"/> shows up within a short real-time window.</summary>
    public async Task<bool> AnyDeliveryBeyondAsync(int count)
    {
        await Task.Delay(_quietPeriod);
        return Deliveries().Count > count;
    }

    /// <summary>
    /// Waits (bounded) until send number <paramref name="count"/> of the command has left (the test's own send is the
    /// first; every later one is a scheduled re-send), and returns the delay the scheduler put on it.
    /// </summary>
    public async Task<TimeSpan> ScheduledDelayAsync(int count)
    {
        // Only scheduled sends carry a delay; the test's own send may be recorded after the first re-send, since the
        // consumer can run before the sender's post-send observers have.
        var sent = await EventuallyAsync(
            () => Harness.Sent.Select<VerifyPayment>(m => m.Context.Delay.HasValue, new CancellationToken(canceled: true))
                .ElementAtOrDefault(count - 2),
            $"send {count} of VerifyPayment");
        return sent.Context.Delay!.Value;
    }

    /// <summary>
    /// Moves time on by <paramref name="delay"/> once send number <paramref name="count"/> has left, and returns
    /// delivery number <paramref name="count"/>.
    /// </summary>
    public async Task<IReceivedMessage<VerifyPayment>> AdvanceToDeliveryAsync(int count, TimeSpan delay)
    {
        await ScheduledDelayAsync(count);
        await AdvanceAsync(delay);

        // The in-memory transport registers a delayed message on a background task, with no signal to wait for; when
        // that runs after an advance, the message still waits its full delay from then. Nudging time on until it
        // arrives hides nothing: the delay itself is asserted from the send.
        var waited = Stopwatch.StartNew();
        var nextNudge = TimeSpan.FromSeconds(2);
        while (Deliveries().Count < count)
        {
            if (waited.Elapsed > _deadline)
            {
                throw new ShouldAssertException($"Delivery {count} of VerifyPayment never reached the consumer (saw {Deliveries().Count}).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
            if (waited.Elapsed > nextNudge)
            {
                await AdvanceAsync(delay / 4);
                nextNudge += TimeSpan.FromSeconds(1);
            }
        }

        return Deliveries()[count - 1];
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await _provider.DisposeAsync();
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe, string what)
        where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            if (waited.Elapsed > _deadline)
            {
                throw new ShouldAssertException($"Waited {_deadline.TotalSeconds} s for {what}; it never came.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
