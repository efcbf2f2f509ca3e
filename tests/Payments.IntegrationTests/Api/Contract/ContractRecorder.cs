using System.Collections.Concurrent;

namespace Payments.Testing.Contract;

/// <summary>
/// Sits on every API client the stack hands out and checks each response against the API's own OpenAPI document as it
/// arrives: a response the document does not describe fails the test that received it, with what differs. Every check is
/// kept, so the fixture can tell on dispose whether one was missed (a test that swallowed the exception).
/// </summary>
public sealed class ContractRecorder(Func<CancellationToken, Task<OpenApiContract>> load) : DelegatingHandler
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private OpenApiContract? _contract;

    public ConcurrentQueue<(RecordedResponse Response, IReadOnlyList<string> Violations)> Checked { get; } = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var recorded = new RecordedResponse(
            request.Method.Method,
            request.RequestUri!.AbsolutePath,
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.MediaType,
            response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase),
            await response.Content.ReadAsStringAsync(cancellationToken));

        var violations = (await ContractAsync(cancellationToken)).Check(recorded);
        Checked.Enqueue((recorded, violations));
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new ContractViolationException(recorded, violations);
        }

        return response;
    }

    /// <summary>Throws when any response so far departed from the document.</summary>
    public void ShouldHaveMatchedEveryResponse()
    {
        var failed = Checked.Where(c => c.Violations.Count > 0).ToList();
        if (failed.Count > 0)
        {
            throw new ContractViolationException(failed[0].Response, [.. failed.SelectMany(f => f.Violations.Select(v => $"{f.Response.Method} {f.Response.Path} {f.Response.Status}: {v}"))]);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _loading.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<OpenApiContract> ContractAsync(CancellationToken cancellationToken)
    {
        if (_contract is { } contract)
        {
            return contract;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            return _contract ??= await load(cancellationToken);
        }
        finally
        {
            _loading.Release();
        }
    }
}

public sealed class ContractViolationException(RecordedResponse response, IReadOnlyList<string> violations)
    : Exception($"The response does not match the OpenAPI document:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", violations)}{Environment.NewLine}Response: {response}")
{
    public IReadOnlyList<string> Violations { get; } = violations;
}
