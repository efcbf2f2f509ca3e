using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Payments.Api.Validation;

/// <summary>Where a listing in creation order stands: the sort key (creation time, then id) of the last item already seen.</summary>
internal readonly record struct ListPosition(DateTimeOffset CreatedAt, Guid Id);

/// <summary>
/// The query of an operators' listing, oldest first: <c>status</c> (one of a route's statuses), <c>limit</c> (1 to
/// <see cref="MaxLimit"/>) and <c>after</c> (a <see cref="PageCursor"/>). Read from the query itself rather than bound, so
/// that a repeated or unknown parameter is refused with a problem naming it instead of being silently ignored.
/// </summary>
internal sealed record ListQuery(string Status, int Limit, ListPosition? After)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public const string StatusParameter = "status";
    public const string LimitParameter = "limit";
    public const string AfterParameter = "after";

    // An unknown parameter's name comes back in the error; a long one need not come back whole.
    private const int MaxDescribedNameLength = 64;

    /// <summary>The query parameters of a listing; any other is refused.</summary>
    public static IReadOnlyList<string> Parameters { get; } = [StatusParameter, LimitParameter, AfterParameter];

    /// <summary>The listing's parameters, or the errors that refuse them.</summary>
    public static (ListQuery? Query, Dictionary<string, string[]> Errors) Validate(
        IQueryCollection query, IReadOnlyList<string> statuses, string defaultStatus)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var name in query.Keys)
        {
            // Names match case-insensitively, as the query collection does.
            var parameter = Parameters.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
            if (parameter is null)
            {
                var shown = name.Length > MaxDescribedNameLength ? name[..MaxDescribedNameLength] + "…" : name;
                errors[shown] = [$"{shown} is not a parameter of this route; its parameters are {string.Join(", ", Parameters)}."];
            }
            else if (query[name].Count > 1)
            {
                errors[parameter] = [$"{parameter} must appear only once."];
            }
        }

        var status = defaultStatus;
        if (Single(query, StatusParameter, errors) is { } givenStatus)
        {
            if (statuses.Contains(givenStatus, StringComparer.Ordinal))
            {
                status = givenStatus;
            }
            else
            {
                errors[StatusParameter] = [$"status must be one of: {string.Join(", ", statuses)}."];
            }
        }

        var limit = DefaultLimit;
        if (Single(query, LimitParameter, errors) is { } givenLimit)
        {
            if (int.TryParse(givenLimit, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= MaxLimit)
            {
                limit = parsed;
            }
            else
            {
                errors[LimitParameter] = [$"limit must be a whole number from 1 to {MaxLimit}."];
            }
        }

        ListPosition? after = null;
        if (Single(query, AfterParameter, errors) is { } givenCursor)
        {
            if (PageCursor.TryDecode(givenCursor, out var position))
            {
                after = position;
            }
            else
            {
                errors[AfterParameter] = ["after must be the nextCursor of an earlier page, unchanged."];
            }
        }

        return errors.Count == 0 ? (new ListQuery(status, limit, after), errors) : (null, errors);
    }

    /// <summary>The parameter's one value, or null when it is absent or was refused already (repeated).</summary>
    private static string? Single(IQueryCollection query, string name, Dictionary<string, string[]> errors) =>
        !errors.ContainsKey(name) && query.TryGetValue(name, out var values) && values.Count == 1 ? values[0] ?? string.Empty : null;

    /// <summary>
    /// Documents the parameters: <paramref name="statuses"/> with <paramref name="defaultStatus"/>, the limit's range and the
    /// cursor's form. Needed because the endpoint reads the query itself.
    /// </summary>
    public static RouteHandlerBuilder DescribesListParameters(
        RouteHandlerBuilder builder, IReadOnlyList<string> statuses, string defaultStatus, string items) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = StatusParameter,
                In = ParameterLocation.Query,
                Required = false,
                Description = "The status listed.",
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. statuses.Select(s => (JsonNode)JsonValue.Create(s))],
                    Default = JsonValue.Create(defaultStatus),
                },
            });
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = LimitParameter,
                In = ParameterLocation.Query,
                Required = false,
                Description = $"The most {items} on one page.",
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Integer,
                    Minimum = "1",
                    Maximum = MaxLimit.ToString(CultureInfo.InvariantCulture),
                    Default = JsonValue.Create(DefaultLimit),
                },
            });
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = AfterParameter,
                In = ParameterLocation.Query,
                Required = false,
                Description = $"The nextCursor of the previous page; without it the listing starts with the oldest of the {items}.",
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Pattern = $"^[A-Za-z0-9_-]{{{PageCursor.Length}}}$",
                },
            });
            return Task.CompletedTask;
        });
}
