using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Payments.Api.Validation;
using Payments.Api.Payments;
using Payments.Api.Tests.Testing;
using Payments.Infrastructure.Persistence;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// An exception escaping an endpoint answers a generic 500 problem, even in Development where the developer exception page
/// would otherwise print the exception.
/// </summary>
public sealed class UnhandledExceptionTests(ThrowingReaderApiFactory factory) : IClassFixture<ThrowingReaderApiFactory>
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("text/html")]
    [InlineData("*/*")]
    public async Task Answers_a_generic_500_problem_without_the_exception(string accept)
    {
        factory.Services.GetRequiredService<IHostEnvironment>().IsDevelopment().ShouldBeTrue();
        using var client = factory.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/payments/{Guid.NewGuid():N}");
        request.Headers.Add("Accept", accept);

        using var response = await client.SendAsync(request);

        var problem = await response.ShouldBeProblemAsync(500);
        var body = problem.GetRawText();
        body.ShouldNotContain(ThrowingReaderApiFactory.Secret);
        body.ShouldNotContain(nameof(InvalidOperationException));
        body.ShouldNotContain(nameof(ThrowingReaderApiFactory));
        problem.TryGetProperty("exception", out _).ShouldBeFalse();
    }
}

/// <summary>The API (Development) whose payment reader fails with an exception naming an internal host.</summary>
public sealed class ThrowingReaderApiFactory : ApiFactory
{
    public const string Secret = "db.internal.example:5432";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IPaymentReader>();
            services.AddSingleton<IPaymentReader, ThrowingReader>();
        });
    }

    private sealed class ThrowingReader : IPaymentReader
    {
        public Task<PaymentState?> FindAsync(Guid paymentId, string clientId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Failed to connect to {Secret}");

        public Task<PaymentState?> FindOfAnyClientAsync(Guid paymentId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Failed to connect to {Secret}");

        public Task<IReadOnlyList<PaymentState>> ListByStatusAsync(string status, ListPosition? after, int count, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Failed to connect to {Secret}");

        public Task<WebhookEvent?> FindLatestWebhookEventAsync(Guid paymentId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Failed to connect to {Secret}");

        public Task<IReadOnlyDictionary<Guid, WebhookEvent>> FindLatestWebhookEventsAsync(IReadOnlyCollection<Guid> paymentIds, CancellationToken cancellationToken) =>
            throw new InvalidOperationException($"Failed to connect to {Secret}");
    }
}
