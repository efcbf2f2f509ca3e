using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Payments.Consumer.StateMachines;
using Payments.Contracts;

namespace Payments.Consumer.Tests.StateMachines;

public sealed class PaymentStateDefinitionTests
{
    [Fact]
    public void The_endpoint_concurrency_comes_from_the_options()
    {
        var definition = new PaymentStateDefinition(Options.Create(new PaymentSagaOptions { ConcurrencyLimit = 4 }));

        definition.ConcurrentMessageLimit.ShouldBe(4);
    }

    [Fact]
    public void Options_default_to_fifteen_minutes_sixteen_messages_and_the_verify_payment_queue()
    {
        var options = Resolve([]);

        options.ExpiryAfter.ShouldBe(TimeSpan.FromMinutes(15));
        options.ConcurrencyLimit.ShouldBe(16);
        options.VerificationQueue.ShouldBe("verify-payment");
    }

    [Theory]
    [InlineData("PaymentSaga:ExpiryAfter", "00:00:00")]
    [InlineData("PaymentSaga:ConcurrencyLimit", "0")]
    [InlineData("PaymentSaga:VerificationQueue", "Verify Payment")]
    public void Invalid_options_are_rejected(string key, string value)
    {
        var error = Should.Throw<OptionsValidationException>(() => Resolve(new() { [key] = value }));

        error.Message.ShouldContain(key.Split(':')[1]);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_and_the_submission_still_verifies()
    {
        var time = new FlakyTimeProvider(PaymentSagaHarness.Start);
        await using var saga = await PaymentSagaHarness.StartAsync(time: time);
        var paymentId = await saga.InitiatedAsync();
        var transactionId = PaymentSagaHarness.NewTransactionId();

        time.FailNextReads(2);
        await saga.Harness.Bus.Publish(new PaymentTransactionSubmitted(paymentId, transactionId));

        await saga.ShouldBeInAsync(paymentId, saga.Machine.Verifying);
        time.FailuresLeft.ShouldBe(0);
        await saga.QuietAsync();
        saga.VerifyCommandsSentFor(paymentId).Count.ShouldBe(1);
        saga.SagaFaultsPublished().ShouldBeEmpty();
    }

    private static PaymentSagaOptions Resolve(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddMassTransit(x => x.AddPaymentSaga());
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<PaymentSagaOptions>>().Value;
    }

    /// <summary>A clock that fails a given number of reads, standing in for a store that fails a given number of saves.</summary>
    private sealed class FlakyTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _failures;

        public int FailuresLeft => Math.Max(Volatile.Read(ref _failures), 0);

        public void FailNextReads(int count) => Volatile.Write(ref _failures, count);

        public override DateTimeOffset GetUtcNow() =>
            Interlocked.Decrement(ref _failures) >= 0 ? throw new TimeoutException("transient") : base.GetUtcNow();
    }
}
