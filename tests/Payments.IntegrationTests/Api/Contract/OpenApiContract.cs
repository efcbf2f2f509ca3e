using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Payments.Testing.Contract;

/// <summary>One response as a client saw it: what the contract check compares with the document.</summary>
public sealed record RecordedResponse(
    string Method,
    string Path,
    int Status,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    string Body)
{
    public override string ToString() => $"{Method} {Path} -> {Status} {ContentType} {Body}";
}

/// <summary>
/// Checks responses against an OpenAPI 3.1 document: the path template and method, the status, the content type, the body
/// against the schema (types, <c>required</c>, <c>additionalProperties</c>, patterns, formats, enums, <c>$ref</c>s) and the
/// required response headers. The schema subset is the one Microsoft.AspNetCore.OpenApi writes; a keyword outside it is a
/// violation rather than ignored, so the check never passes by not understanding the document.
/// </summary>
public sealed class OpenApiContract
{
    // Keywords that constrain nothing.
    private static readonly HashSet<string> Annotations =
        ["description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly", "$comment"];

    private readonly JsonElement _document;
    private readonly List<(string[] Segments, JsonElement Item)> _paths;

    public OpenApiContract(JsonElement document)
    {
        _document = document.Clone();
        _paths = [.. _document.GetProperty("paths").EnumerateObject()
            .Select(p => (p.Name.Trim('/').Split('/'), p.Value))];
    }

    public static OpenApiContract Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return new OpenApiContract(document.RootElement);
    }

    /// <summary>The document the application serves as <c>v1</c>, taken from its services (whoever may read it over HTTP).</summary>
    public static async Task<OpenApiContract> FromServicesAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var document = await services.GetRequiredKeyedService<IOpenApiDocumentProvider>("v1").GetOpenApiDocumentAsync(cancellationToken);
        using var stream = new MemoryStream();
        await document.SerializeAsJsonAsync(stream, OpenApiSpecVersion.OpenApi3_1, cancellationToken);
        return Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>Every way <paramref name="response"/> departs from the document; empty when it matches.</summary>
    public IReadOnlyList<string> Check(RecordedResponse response)
    {
        var errors = new List<string>();
        var segments = response.Path.Trim('/').Split('/');
        var item = _paths
            .Where(p => Matches(p.Segments, segments))
            .OrderByDescending(p => p.Segments.Count(s => !IsParameter(s)))
            .Select(p => (JsonElement?)p.Item)
            .FirstOrDefault();
        if (item is null)
        {
            return [$"no path of the document matches {response.Path}"];
        }

        if (!item.Value.TryGetProperty(response.Method.ToLowerInvariant(), out var operation))
        {
            return [$"the document has no {response.Method} operation for {response.Path}"];
        }

        var status = response.Status.ToString(CultureInfo.InvariantCulture);
        var responses = operation.GetProperty("responses");
        if (!responses.TryGetProperty(status, out var documented)
            && !responses.TryGetProperty($"{status[0]}XX", out documented)
            && !responses.TryGetProperty("default", out documented))
        {
            return [$"status {status} is not documented for {response.Method} {response.Path} (documented: {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))})"];
        }

        documented = Resolve(documented);
        CheckContent(documented, response, errors);
        CheckHeaders(documented, response, errors);
        return errors;
    }

    private void CheckContent(JsonElement documented, RecordedResponse response, List<string> errors)
    {
        var hasContent = documented.TryGetProperty("content", out var content) && content.EnumerateObject().Any();
        if (!hasContent)
        {
            if (response.Body.Length > 0)
            {
                errors.Add($"status {response.Status} documents no body, but one came ({response.ContentType})");
            }

            return;
        }

        if (response.ContentType is null)
        {
            errors.Add($"status {response.Status} documents a body ({string.Join(", ", content.EnumerateObject().Select(c => c.Name))}), but none came");
            return;
        }

        var media = content.EnumerateObject()
            .Where(c => MediaTypeMatches(c.Name, response.ContentType))
            .Select(c => (JsonElement?)c.Value)
            .FirstOrDefault();
        if (media is null)
        {
            errors.Add($"content type {response.ContentType} is not documented for status {response.Status} (documented: {string.Join(", ", content.EnumerateObject().Select(c => c.Name))})");
            return;
        }

        if (!media.Value.TryGetProperty("schema", out var schema))
        {
            return;
        }

        JsonElement body;
        if (IsJson(response.ContentType))
        {
            try
            {
                using var parsed = JsonDocument.Parse(response.Body);
                body = parsed.RootElement.Clone();
            }
            catch (JsonException exception)
            {
                errors.Add($"the body is not JSON: {exception.Message}");
                return;
            }
        }
        else
        {
            body = JsonSerializer.SerializeToElement(response.Body);
        }

        Validate(schema, body, "$", errors);
    }

    private void CheckHeaders(JsonElement documented, RecordedResponse response, List<string> errors)
    {
        if (!documented.TryGetProperty("headers", out var headers))
        {
            return;
        }

        foreach (var header in headers.EnumerateObject())
        {
            var definition = Resolve(header.Value);
            var value = response.Headers
                .Where(h => string.Equals(h.Key, header.Name, StringComparison.OrdinalIgnoreCase))
                .Select(h => h.Value)
                .FirstOrDefault();
            if (value is null)
            {
                if (definition.TryGetProperty("required", out var required) && required.GetBoolean())
                {
                    errors.Add($"the required header {header.Name} is missing from status {response.Status}");
                }

                continue;
            }

            if (definition.TryGetProperty("schema", out var schema))
            {
                // A header is text; a number schema reads it as a number, as a client would.
                var element = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    && TypesOf(Resolve(schema)).Overlaps(["integer", "number"])
                    ? JsonSerializer.SerializeToElement(number)
                    : JsonSerializer.SerializeToElement(value);
                Validate(schema, element, $"header {header.Name}", errors);
            }
        }
    }

    private void Validate(JsonElement schema, JsonElement value, string at, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{at}: no value is allowed here");
            return;
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "$ref":
                    Validate(Resolve(schema), value, at, errors);
                    break;
                case "type":
                    var types = TypesOf(schema);
                    if (!types.Contains(TypeOf(value)) && !(TypeOf(value) == "integer" && types.Contains("number")))
                    {
                        errors.Add($"{at}: {TypeOf(value)} {Short(value)} is not {string.Join(" or ", types)}");
                    }

                    break;
                case "properties":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var property in keyword.Value.EnumerateObject())
                        {
                            if (value.TryGetProperty(property.Name, out var child))
                            {
                                Validate(property.Value, child, $"{at}.{property.Name}", errors);
                            }
                        }
                    }

                    break;
                case "required":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var name in keyword.Value.EnumerateArray().Select(n => n.GetString()!))
                        {
                            if (!value.TryGetProperty(name, out _))
                            {
                                errors.Add($"{at}: the required property {name} is missing");
                            }
                        }
                    }

                    break;
                case "additionalProperties":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        var known = schema.TryGetProperty("properties", out var properties)
                            ? properties.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                            : [];
                        foreach (var extra in value.EnumerateObject().Where(p => !known.Contains(p.Name)))
                        {
                            if (keyword.Value.ValueKind == JsonValueKind.False)
                            {
                                errors.Add($"{at}: the property {extra.Name} is not in the schema");
                            }
                            else
                            {
                                Validate(keyword.Value, extra.Value, $"{at}.{extra.Name}", errors);
                            }
                        }
                    }

                    break;
                case "items":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var index = 0;
                        foreach (var element in value.EnumerateArray())
                        {
                            Validate(keyword.Value, element, $"{at}[{index++}]", errors);
                        }
                    }

                    break;
                case "enum":
                    if (!keyword.Value.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
                    {
                        errors.Add($"{at}: {Short(value)} is not one of {keyword.Value.GetRawText()}");
                    }

                    break;
                case "const":
                    if (!JsonElement.DeepEquals(keyword.Value, value))
                    {
                        errors.Add($"{at}: {Short(value)} is not {keyword.Value.GetRawText()}");
                    }

                    break;
                case "pattern":
                    if (value.ValueKind == JsonValueKind.String && !Regex.IsMatch(value.GetString()!, keyword.Value.GetString()!))
                    {
                        errors.Add($"{at}: {Short(value)} does not match {keyword.Value.GetString()}");
                    }

                    break;
                case "minLength":
                case "maxLength":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        var length = value.GetString()!.Length;
                        var limit = keyword.Value.GetInt32();
                        if (keyword.Name == "minLength" ? length < limit : length > limit)
                        {
                            errors.Add($"{at}: length {length} breaks {keyword.Name} {limit}");
                        }
                    }

                    break;
                case "format":
                    CheckFormat(keyword.Value.GetString()!, value, at, errors);
                    break;
                case "anyOf":
                case "oneOf":
                    var matching = keyword.Value.EnumerateArray().Count(option =>
                    {
                        var optionErrors = new List<string>();
                        Validate(option, value, at, optionErrors);
                        return optionErrors.Count == 0;
                    });
                    if (keyword.Name == "oneOf" ? matching != 1 : matching == 0)
                    {
                        errors.Add($"{at}: {Short(value)} matches {matching} of the {keyword.Name} schemas");
                    }

                    break;
                case "allOf":
                    foreach (var part in keyword.Value.EnumerateArray())
                    {
                        Validate(part, value, at, errors);
                    }

                    break;
                default:
                    if (!Annotations.Contains(keyword.Name))
                    {
                        errors.Add($"{at}: the schema keyword {keyword.Name} is not supported by this check");
                    }

                    break;
            }
        }
    }

    private static void CheckFormat(string format, JsonElement value, string at, List<string> errors)
    {
        var valid = format switch
        {
            "date-time" => value.ValueKind != JsonValueKind.String
                || DateTimeOffset.TryParseExact(value.GetString(), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            "int32" => value.ValueKind != JsonValueKind.Number || value.TryGetInt32(out _),
            "int64" => value.ValueKind != JsonValueKind.Number || value.TryGetInt64(out _),
            "double" or "float" => true,
            "uuid" => value.ValueKind != JsonValueKind.String || Guid.TryParseExact(value.GetString(), "D", out _),
            _ => (bool?)null,
        };
        if (valid is null)
        {
            errors.Add($"{at}: the format {format} is not supported by this check");
        }
        else if (valid is false)
        {
            errors.Add($"{at}: {Short(value)} is not a {format}");
        }
    }

    /// <summary>Follows <c>$ref</c>s within the document (<c>#/components/...</c>).</summary>
    private JsonElement Resolve(JsonElement element)
    {
        for (var hops = 0; element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference); hops++)
        {
            if (hops > 32 || reference.GetString() is not { } pointer || !pointer.StartsWith("#/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"cannot resolve {reference}");
            }

            var target = _document;
            foreach (var token in pointer[2..].Split('/'))
            {
                target = target.GetProperty(token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }

            element = target;
        }

        return element;
    }

    private static HashSet<string> TypesOf(JsonElement schema) =>
        !schema.TryGetProperty("type", out var type) ? ["null", "boolean", "object", "array", "number", "integer", "string"]
        : type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)]
        : [type.GetString()!];

    private static string TypeOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => value.TryGetInt64(out _) || decimal.TryParse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d)
            ? "integer"
            : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    private static bool Matches(string[] template, string[] segments) =>
        template.Length == segments.Length
        && template.Zip(segments).All(pair => IsParameter(pair.First) ? pair.Second.Length > 0 : string.Equals(pair.First, pair.Second, StringComparison.Ordinal));

    private static bool IsParameter(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    private static bool MediaTypeMatches(string documented, string actual) =>
        documented == "*/*"
        || string.Equals(documented, actual, StringComparison.OrdinalIgnoreCase)
        || documented.EndsWith("/*", StringComparison.Ordinal)
            && actual.StartsWith(documented[..^1], StringComparison.OrdinalIgnoreCase);

    private static bool IsJson(string mediaType) =>
        mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);

    private static string Short(JsonElement value)
    {
        var text = value.GetRawText();
        return text.Length > 80 ? text[..80] + "…" : text;
    }
}
