using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Payments.Consumer.Webhooks;
using Payments.Infrastructure.Persistence;

namespace Payments.Consumer.Tests.Webhooks;

public sealed class WebhookSenderTests
{
    private static readonly Uri Url = new("https://shop.example/hooks");
    private const string Secret = "a-long-enough-secret-0123456789abcdef";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_2xx_is_delivered_and_the_request_is_signed_json_with_the_event_headers()
    {
        HttpRequestMessage? seen = null;
        string? body = null;
        var sender = Sender(async request =>
        {
            seen = request;
            body = await request.Content!.ReadAsStringAsync();
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        });
        var webhookEvent = Event();

        var attempt = await sender.SendAsync(Url, [Secret], webhookEvent, CancellationToken.None);

        attempt.ShouldBe(new WebhookAttempt(true, 204, null));
        seen!.Method.ShouldBe(HttpMethod.Post);
        seen.Content!.Headers.ContentType!.MediaType.ShouldBe("application/json");
        body.ShouldBe(webhookEvent.Body);
        seen.Headers.GetValues(WebhookSignature.HeaderName).Single().ShouldBe(WebhookSignature.Create(_time.GetUtcNow().ToUnixTimeSeconds(), webhookEvent.Body, [Secret]));
        seen.Headers.GetValues(WebhookSender.EventIdHeader).Single().ShouldBe(webhookEvent.Id.ToString());
        seen.Headers.GetValues(WebhookSender.EventTypeHeader).Single().ShouldBe("payment.confirmed");
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "endpoint answered 500")]
    [InlineData(HttpStatusCode.BadRequest, "endpoint answered 400")]
    [InlineData(HttpStatusCode.Found, "endpoint answered 302, a redirect, which is not followed")]
    public async Task Anything_else_is_a_failed_attempt_with_its_status(HttpStatusCode status, string error)
    {
        var sender = Sender(_ => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent("secret internals") }));

        var attempt = await sender.SendAsync(Url, [Secret], Event(), CancellationToken.None);

        attempt.ShouldBe(new WebhookAttempt(false, (int)status, error));
    }

    [Fact]
    public async Task No_answer_within_the_timeout_is_a_failed_attempt()
    {
        var sender = Sender(async (_, cancellationToken) =>
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });

        // The timeout runs on the fake clock from the moment the request is sent, which SendAsync has done when it returns.
        var sending = sender.SendAsync(Url, [Secret], Event(), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));

        (await sending.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(new WebhookAttempt(false, null, "endpoint did not answer within 10 s"));
    }

    [Fact]
    public async Task A_refused_connection_is_a_failed_attempt_that_names_no_host()
    {
        var sender = Sender(_ => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (shop.example:443)"));

        var attempt = await sender.SendAsync(Url, [Secret], Event(), CancellationToken.None);

        attempt.ShouldBe(new WebhookAttempt(false, null, "endpoint unreachable (ConnectionError)"));
    }

    [Fact]
    public async Task At_most_4_KiB_of_the_answer_is_read()
    {
        var answer = new CountingStream(1024 * 1024);
        var sender = Sender(_ => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(answer) }));

        var attempt = await sender.SendAsync(Url, [Secret], Event(), CancellationToken.None);

        attempt.Delivered.ShouldBeTrue();
        answer.BytesRead.ShouldBeLessThanOrEqualTo(4096);
        answer.BytesRead.ShouldBeGreaterThan(0);
    }

    private WebhookSender Sender(Func<HttpRequestMessage, Task<HttpResponseMessage>> answer) =>
        Sender((request, _) => answer(request));

    private WebhookSender Sender(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) =>
        new(new HttpClient(new StubHandler(answer)) { Timeout = Timeout.InfiniteTimeSpan }, Options.Create(new WebhookDeliveryOptions()), _time);

    private static WebhookEvent Event() => new()
    {
        Id = Guid.Parse("01a2343d-143f-7aca-b8e9-a7f9df929e45"),
        PaymentId = Guid.NewGuid(),
        ClientId = "shop",
        Type = "payment.confirmed",
        Body = """{"id":"01a2343d-143f-7aca-b8e9-a7f9df929e45","type":"payment.confirmed"}""",
    };

    private sealed class StubHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            answer(request, cancellationToken);
    }

    private sealed class CountingStream(long length) : Stream
    {
        private long _position;

        public long BytesRead => _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = (int)Math.Min(count, length - _position);
            _position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
