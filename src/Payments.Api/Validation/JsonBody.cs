using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Payments.Api.Validation;

/// <summary>
/// Reads a small JSON object body of string fields by hand rather than through minimal-API binding, so that an oversized body,
/// broken JSON, a field of the wrong JSON type, an unknown or repeated property, or text that cannot be stored each answer a
/// problem document naming what is wrong (binding failures would be a bare 400, and several of these would bind silently).
/// </summary>
internal static class JsonBody
{
    public const int MaxBytes = 16 * 1024;
    public const int MaxDepth = 16;
    public const string Field = "body";

    // An unknown property name comes back in the error; a 16 KiB name need not come back whole.
    private const int MaxDescribedNameLength = 64;

    // One error per unknown property up to this many, the rest counted under "body": a body of a thousand tiny properties must
    // not earn an answer many times its own size.
    private const int MaxUnknownReported = 8;

    /// <summary>
    /// Reads the body and walks its properties. <paramref name="fields"/> are the contract's camelCase names; any other
    /// property is an error. A whole-body failure (too large, empty, not JSON, not an object, unreadable) comes back as
    /// <c>Problem</c>; field-level failures are collected in <see cref="JsonFields.Errors"/> so the caller adds its own.
    /// </summary>
    public static async Task<(JsonFields Body, IResult? Problem)> ReadObjectAsync(
        HttpRequest request, IReadOnlyList<string> fields, CancellationToken cancellationToken)
    {
        // A Content-Type other than JSON never gets here: the endpoints declare Accepts(application/json), so routing
        // answers 415 first.
        if (request.ContentLength > MaxBytes)
        {
            return (new JsonFields(), TooLarge());
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
                return (new JsonFields(), TooLarge());
            }

            if (length == 0)
            {
                return (new JsonFields(), Problems.Validation(Field, "The request body is required."));
            }

            var body = new JsonFields();
            return (body, Walk(buffer.AsSpan(0, length), fields, body));
        }
        catch (BadHttpRequestException exception)
        {
            // Kestrel throws this from the body stream for a body shorter than its Content-Length, broken chunked framing or
            // an upload that stalls. The exception handler would turn it into a 500 (it ignores the exception's status
            // code up to .NET 10), yet it is the client's fault.
            return (new JsonFields(), Problems.Validation(Field, "The request body could not be read completely.", exception.StatusCode));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// One pass over the top-level properties with <see cref="Utf8JsonReader"/>.
    /// </summary>
    /// <remarks>
    /// Why a hand walker rather than <see cref="JsonDocument"/>: .NET 10's <c>JsonDocumentOptions.AllowDuplicateProperties =
    /// false</c> refuses exact duplicates only, while names here match case-insensitively (<c>amount</c> and <c>Amount</c> are
    /// one field), and its exception names neither the property nor the rule. A <see cref="JsonElement"/>'s name and
    /// <c>GetString</c> throw <see cref="InvalidOperationException"/> on a lone surrogate escape ("\ud800") or bytes that
    /// are not UTF-8, which surfaced as a 500. The reader gives each property in turn, so a broken or unstorable value is
    /// reported under the field it belongs to.
    /// </remarks>
    private static IResult? Walk(ReadOnlySpan<byte> json, IReadOnlyList<string> fields, JsonFields body)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unknown = 0;
        // The contract field whose value the reader is in: JSON that breaks inside it is reported under its name.
        string? reading = null;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return Problems.Validation(Field, "The request body must be a JSON object.");
            }

            // The reader refuses anything but a property name or the object's end here, and anything after that end.
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = TryGetText(ref reader);
                var field = name is null ? null : Find(fields, name);
                if (field is null)
                {
                    var description = Describe(name, reader.ValueSpan);
                    reader.Read();
                    reader.Skip();
                    if (!body.Errors.ContainsKey(description) && ++unknown <= MaxUnknownReported)
                    {
                        body.Errors[description] =
                            [$"{description} is not a property of this request; its properties are {string.Join(", ", fields)}."];
                    }

                    continue;
                }

                reading = field;
                reader.Read();
                if (!seen.Add(field))
                {
                    // Which of two values would count is a guess no reader of the request should have to make.
                    reader.Skip();
                    body.Values.Remove(field);
                    body.Errors[field] = [$"{field} must appear only once (property names match case-insensitively)."];
                }
                else
                {
                    ReadValue(ref reader, field, body);
                }

                reading = null;
            }
        }
        catch (JsonException)
        {
            return reading is null
                ? Problems.Validation(Field, "The request body is not valid JSON.")
                : Problems.Validation(reading, $"The value of {reading} is not valid JSON.");
        }

        if (unknown > MaxUnknownReported)
        {
            // Appended: an unknown property may itself be called "body".
            body.Errors[Field] = [.. body.Errors.GetValueOrDefault(Field, []),
                $"The request body has {unknown - MaxUnknownReported} more unknown properties."];
        }

        return null;
    }

    private static void ReadValue(ref Utf8JsonReader reader, string field, JsonFields body)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                var text = TryGetText(ref reader);
                var error = text is null
                    ? $"{field} must be valid Unicode text: it holds a lone UTF-16 surrogate or bytes that are not UTF-8."
                    : CheckText(field, text);
                if (error is null)
                {
                    body.Values[field] = text!;
                }
                else
                {
                    body.Errors[field] = [error];
                }

                break;
            case JsonTokenType.Null:
                break;
            default:
                reader.Skip();
                body.Errors[field] = [$"{field} must be a JSON string."];
                break;
        }
    }

    // GetString throws on a lone surrogate escape or on bytes that are not UTF-8: text that no column, log or JSON writer
    // can hold faithfully.
    private static string? TryGetText(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// Refuses control characters (PostgreSQL text cannot hold NUL, and none belongs in an id or a symbol) and unpaired
    /// surrogates, which the reader already refuses; checked here as well so this rule does not rest on the reader's.
    /// </summary>
    private static string? CheckText(string field, string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return $"{field} must not contain control characters (U+{(int)c:X4} at index {i}).";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"{field} must be valid Unicode text: it holds a lone UTF-16 surrogate at index {i}.";
            }
        }

        return null;
    }

    private static string? Find(IReadOnlyList<string> fields, string name)
    {
        foreach (var field in fields)
        {
            // Case-insensitive, as ASP.NET's web JSON defaults match names.
            if (string.Equals(field, name, StringComparison.OrdinalIgnoreCase))
            {
                return field;
            }
        }

        return null;
    }

    /// <summary>
    /// A name fit to echo in an error: invisible or unpaired characters as <c>\uXXXX</c>, cut to a bounded length. A name the
    /// reader cannot decode is described from its bytes as sent (escapes still escaped, bad bytes as U+FFFD).
    /// </summary>
    private static string Describe(string? name, ReadOnlySpan<byte> raw)
    {
        var text = name ?? Encoding.UTF8.GetString(raw);
        var described = new StringBuilder(Math.Min(text.Length, MaxDescribedNameLength));
        foreach (var c in text)
        {
            if (described.Length >= MaxDescribedNameLength)
            {
                described.Append('…');
                break;
            }

            if (char.IsControl(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c)
                    is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                described.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                described.Append(c);
            }
        }

        // An empty name still needs a key a client can see.
        return described.Length == 0 ? "\"\"" : described.ToString();
    }

    private static IResult TooLarge() =>
        Problems.Validation(Field, $"The request body must not exceed {MaxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
}

/// <summary>What a body held: the text of each contract field it gave, and the errors found so far, keyed by field.</summary>
internal sealed class JsonFields
{
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string[]> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>The field's text; null when it was absent, JSON null or refused.</summary>
    public string? Get(string field) => Values.GetValueOrDefault(field);
}
