using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Payments.Api.Payments;
using Payments.Api.Tests.Testing;
using Payments.Api.Validation;
using Payments.Contracts;

namespace Payments.Api.Tests.Validation;

public sealed class JsonBodyTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string ValidPayment =
        """{"userId":"user-1","amount":"1.5","token":"USDC","recipient":"0x1111111111111111111111111111111111111111"}""";

    private static readonly string ValidTransaction = $$"""{"transactionId":"0x{{new string('a', 64)}}"}""";

    // What a hostile or broken client might put anywhere in a body.
    private static readonly byte[][] Pieces =
    [
        [0x00], [0x1F], [0x7F], [0xC2, 0x85], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98],
        .. new[]
        {
            "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0000", "\\u007f", "\\", "\"", "{", "}", "[", "]", ",", ":", "null", "true",
            "1e400", "-0", "\"userId\":\"x\",", "\"Amount\":\"2\",", "\"extra\":{\"a\":[1]},", "\"\\ud800\":1,",
            "\"transactionId\":\"0x\",", new string('[', 40), " ",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    [Theory]
    [InlineData(StatusCodes.Status400BadRequest)]
    [InlineData(StatusCodes.Status408RequestTimeout)]
    public async Task Answers_the_status_of_a_body_the_server_could_not_read_instead_of_failing(int status)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new FailingStream(new BadHttpRequestException("Unexpected end of request content.", status));

        var (_, problem) = await JsonBody.ReadObjectAsync(context.Request, PaymentValidation.TransactionFields, CancellationToken.None);

        var result = problem.ShouldBeOfType<ProblemHttpResult>();
        result.StatusCode.ShouldBe(status);
        result.ProblemDetails.ShouldBeOfType<HttpValidationProblemDetails>().Errors.Keys.ShouldBe([JsonBody.Field]);
    }

    [Fact]
    public async Task Answers_no_mutated_payment_body_with_a_server_error()
    {
        using var client = factory.CreateAuthorizedClient();

        await SendMutationsAsync(client, "/api/payments", ValidPayment, seed: 20260101);
    }

    [Fact]
    public async Task Answers_no_mutated_transaction_body_with_a_server_error()
    {
        var payment = factory.Reader.Add(PaymentStatuses.AwaitingTransaction);
        using var client = factory.CreateAuthorizedClient();

        await SendMutationsAsync(client, $"/api/payments/{payment.Reference}/transaction", ValidTransaction, seed: 20260102);
    }

    /// <summary>
    /// Sends seeded mutations of a valid body (pieces inserted, bytes replaced, ranges cut); every answer must be a client
    /// error in problem+json or a success. The seed makes a failure reproducible; the message carries the body.
    /// </summary>
    private static async Task SendMutationsAsync(HttpClient client, string path, string valid, int seed)
    {
        var random = new Random(seed);
        var original = Encoding.UTF8.GetBytes(valid);
        for (var i = 0; i < 300; i++)
        {
            var body = original.ToList();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var at = random.Next(body.Count + 1);
                switch (random.Next(3))
                {
                    case 0:
                        body.InsertRange(at, Pieces[random.Next(Pieces.Length)]);
                        break;
                    case 1 when at < body.Count:
                        body[at] = (byte)random.Next(256);
                        break;
                    default:
                        body.RemoveRange(Math.Min(at, body.Count), Math.Min(random.Next(1, 8), body.Count - Math.Min(at, body.Count)));
                        break;
                }
            }

            using var content = new ByteArrayContent([.. body]);
            content.Headers.ContentType = new("application/json");
            using var response = await client.PostAsync(path, content);

            var status = (int)response.StatusCode;
            var shown = Convert.ToHexString([.. body]);
            status.ShouldBeLessThan(500, $"mutation {i}: {shown}");
            if (status >= 400)
            {
                response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", $"mutation {i}: {shown}");
            }
        }
    }

    private sealed class FailingStream(Exception exception) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw exception;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(exception);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
