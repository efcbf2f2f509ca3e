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

/// <summary>
/// A database that cannot be reached (Npgsql's exception, also inside the wrapper EF Core throws) is a 503 with Retry-After,
/// which clients retry, not a 500, which they must not.
/// </summary>
public sealed class UnreachableDatabaseTests(UnreachableReaderApiFactory factory) : IClassFixture<UnreachableReaderApiFactory>
{
    [Fact]
    public async Task Answers_503_with_retry_after_and_without_the_exception()
    {
        using var client = factory.CreateAuthorizedClient();

        foreach (var wrapped in new[] { false, true })
        {
            factory.Wrapped = wrapped;
            using var response = await client.GetAsync($"/api/payments/{Guid.NewGuid():N}");

            var problem = await response.ShouldBeProblemAsync(503);
            response.Headers.RetryAfter.ShouldNotBeNull();
            problem.GetRawText().ShouldNotContain(ThrowingReaderApiFactory.Secret);
        }
    }
}

/// <summary>The API whose payment reader cannot reach its database.</summary>
public sealed class UnreachableReaderApiFactory : ApiFactory
{
    /// <summary>Whether the Npgsql exception comes inside an <see cref="InvalidOperationException"/>, as EF Core's retry wrapper throws it.</summary>
    public bool Wrapped { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IPaymentReader>();
            services.AddSingleton<IPaymentReader>(new ThrowingReaderApiFactory.ThrowingReader(() =>
            {
                var unreachable = new Npgsql.NpgsqlException($"Failed to connect to {ThrowingReaderApiFactory.Secret}", new System.Net.Sockets.SocketException());
                return Wrapped ? new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", unreachable) : unreachable;
            }));
        });
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
            services.AddSingleton<IPaymentReader>(new ThrowingReader(() => new InvalidOperationException($"Failed to connect to {Secret}")));
        });
    }

    /// <summary>A payment reader every call of which throws what <paramref name="failure"/> makes.</summary>
    internal sealed class ThrowingReader(Func<Exception> failure) : IPaymentReader
    {
        public Task<PaymentState?> FindAsync(Guid paymentId, string clientId, CancellationToken cancellationToken) => throw failure();

        public Task<PaymentState?> FindOfAnyClientAsync(Guid paymentId, CancellationToken cancellationToken) => throw failure();

        public Task<IReadOnlyList<PaymentState>> ListByStatusAsync(string status, ListPosition? after, int count, CancellationToken cancellationToken) =>
            throw failure();

        public Task<WebhookEvent?> FindLatestWebhookEventAsync(Guid paymentId, CancellationToken cancellationToken) => throw failure();

        public Task<IReadOnlyDictionary<Guid, WebhookEvent>> FindLatestWebhookEventsAsync(IReadOnlyCollection<Guid> paymentIds, CancellationToken cancellationToken) =>
            throw failure();
    }
}
