using System.Net;
using System.Net.Sockets;

namespace Payments.CircuitBreaker.Tests;

public class HttpCallClassifierTests
{
    [Theory]
    [InlineData(200, CallOutcome.Success)]
    [InlineData(204, CallOutcome.Success)]
    [InlineData(304, CallOutcome.Success)]
    [InlineData(400, CallOutcome.Ignored)]
    [InlineData(404, CallOutcome.Ignored)]
    [InlineData(409, CallOutcome.Ignored)]
    [InlineData(422, CallOutcome.Ignored)]
    [InlineData(401, CallOutcome.Failure)]
    [InlineData(403, CallOutcome.Failure)]
    [InlineData(408, CallOutcome.Failure)]
    [InlineData(429, CallOutcome.Failure)]
    [InlineData(500, CallOutcome.Failure)]
    [InlineData(502, CallOutcome.Failure)]
    [InlineData(503, CallOutcome.Failure)]
    [InlineData(504, CallOutcome.Failure)]
    public void Status_codes_are_classified(int status, CallOutcome expected) =>
        HttpCallClassifier.Classify((HttpStatusCode)status, null).ShouldBe(expected);

    [Fact]
    public void Timeouts_and_connection_errors_are_failures()
    {
        HttpCallClassifier.Classify(null, new TimeoutException()).ShouldBe(CallOutcome.Failure);
        HttpCallClassifier.Classify(null, new TaskCanceledException("timeout", new TimeoutException())).ShouldBe(CallOutcome.Failure);
        HttpCallClassifier.Classify(null, new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)))
            .ShouldBe(CallOutcome.Failure);
    }

    [Fact]
    public void Cancellation_is_ignored()
    {
        HttpCallClassifier.Classify(null, new OperationCanceledException()).ShouldBe(CallOutcome.Ignored);
        HttpCallClassifier.Classify(null, new TaskCanceledException()).ShouldBe(CallOutcome.Ignored);
    }

    [Fact]
    public void An_http_exception_with_a_status_is_classified_by_its_status()
    {
        HttpCallClassifier.Classify(null, new HttpRequestException("not found", null, HttpStatusCode.NotFound)).ShouldBe(CallOutcome.Ignored);
        HttpCallClassifier.Classify(null, new HttpRequestException("unavailable", null, HttpStatusCode.ServiceUnavailable))
            .ShouldBe(CallOutcome.Failure);
    }

    [Fact]
    public async Task It_plugs_into_execute_so_that_a_404_does_not_trip_the_breaker()
    {
        var breaker = TestBreakers.Create(TestBreakers.NewTime(), failureThreshold: 1);

        await breaker.ExecuteAsync(
            _ => ValueTask.FromResult(HttpStatusCode.NotFound),
            static (status, exception) => HttpCallClassifier.Classify(exception is null ? status : null, exception));
        breaker.State.ShouldBe(CircuitState.Closed);

        await breaker.ExecuteAsync(
            _ => ValueTask.FromResult(HttpStatusCode.ServiceUnavailable),
            static (status, exception) => HttpCallClassifier.Classify(exception is null ? status : null, exception));
        breaker.State.ShouldBe(CircuitState.Open);
    }
}
