using System.Buffers;
using System.Text.Json;

namespace Payments.Api.Validation;

/// <summary>
/// Reads a small JSON object body by hand rather than through minimal-API binding, so that an oversized body, broken JSON
/// or a field of the wrong JSON type each answer a problem document naming what is wrong (binding failures would be a bare 400).
/// </summary>
internal static class JsonBody
{
    public const int MaxBytes = 16 * 1024;
    public const string Field = "body";

    public static async Task<(JsonElement Root, IResult? Problem)> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // A Content-Type other than JSON never gets here: the endpoints declare Accepts(application/json), so routing
        // answers 415 first.
        if (request.ContentLength > MaxBytes)
        {
            return (default, TooLarge());
        }

        var buffer = ArrayPool<byte>.Shared.Rent(MaxBytes + 1);
        try
        {
            // Read one byte past the limit: bodies without Content-Length (chunked) are caught the same way.
            var length = 0;
            int read;
            while (length <= MaxBytes
                && (read = await request.Body.ReadAsync(buffer.AsMemory(length, MaxBytes + 1 - length), cancellationToken)) > 0)
            {
                length += read;
            }

            if (length > MaxBytes)
            {
                return (default, TooLarge());
            }

            if (length == 0)
            {
                return (default, Problems.Validation(Field, "The request body is required."));
            }

            using var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (default, Problems.Validation(Field, "The request body must be a JSON object."));
            }

            return (document.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (default, Problems.Validation(Field, "The request body is not valid JSON."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Gets a string field (property names match case-insensitively, as ASP.NET's web JSON defaults do). A missing field or
    /// JSON null gives null; any other JSON type records an error under the field's name.
    /// </summary>
    public static string? GetString(JsonElement root, string name, IDictionary<string, string[]> errors)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    return property.Value.GetString();
                case JsonValueKind.Null:
                    return null;
                default:
                    errors[name] = [$"{name} must be a JSON string."];
                    return null;
            }
        }

        return null;
    }

    private static IResult TooLarge() =>
        Problems.Validation(Field, $"The request body must not exceed {MaxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
}
