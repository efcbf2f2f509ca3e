using System.Globalization;
using Payments.Api.Payments;
using Payments.Api.Validation;
using Payments.Contracts;

namespace Payments.Api.Reviews;

/// <summary>
/// Checks the resolution body and the listing's query. As for the payment routes, every bad field or parameter gets its own
/// entry keyed by its name, so an operator sees every mistake at once.
/// </summary>
internal static class ReviewValidation
{
    /// <summary>The width of the <c>resolution_note</c> column.</summary>
    public const int MaxNoteLength = 1000;

    public const string DefaultStatus = PaymentStatuses.NeedsReview;

    // An unknown parameter's name comes back in the error; a long one need not come back whole.
    private const int MaxDescribedNameLength = 64;
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public const string StatusParameter = "status";
    public const string LimitParameter = "limit";
    public const string AfterParameter = "after";

    /// <summary>The properties of <see cref="ResolvePaymentRequest"/>; any other property is refused.</summary>
    public static IReadOnlyList<string> ResolveFields { get; } = ["resolution", "note"];

    /// <summary>The query parameters of the listing; any other is refused, so that a misspelt one is not silently ignored.</summary>
    public static IReadOnlyList<string> ListParameters { get; } = [StatusParameter, LimitParameter, AfterParameter];

    internal sealed record ValidResolution(string Resolution, string Note);

    internal sealed record ListQuery(string Status, int Limit, ListPosition? After);

    /// <summary>
    /// Checks the fields of a body read with <see cref="ResolveFields"/>, adding to its errors. Control characters and lone
    /// surrogates were refused by the reader already, as in every body; the note is kept trimmed.
    /// </summary>
    public static ValidResolution? ValidateResolution(JsonFields body)
    {
        var errors = body.Errors;
        var resolution = body.Get("resolution");
        var note = body.Get("note")?.Trim();

        if (!errors.ContainsKey("resolution"))
        {
            if (string.IsNullOrEmpty(resolution))
            {
                errors["resolution"] = ["resolution is required."];
            }
            else if (!Resolutions.All.Contains(resolution, StringComparer.Ordinal))
            {
                errors["resolution"] = [$"resolution must be one of: {string.Join(", ", Resolutions.All)}."];
            }
        }

        if (!errors.ContainsKey("note"))
        {
            if (string.IsNullOrEmpty(note))
            {
                errors["note"] = ["note is required: say why the payment is settled so (it is kept on the payment)."];
            }
            else if (note.Length > MaxNoteLength)
            {
                errors["note"] = [$"note must be at most {MaxNoteLength} characters."];
            }
        }

        return errors.Count == 0 ? new ValidResolution(resolution!, note!) : null;
    }

    /// <summary>The listing's parameters, or the errors that refuse them.</summary>
    public static (ListQuery? Query, Dictionary<string, string[]> Errors) ValidateList(IQueryCollection query)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var name in query.Keys)
        {
            // Names match case-insensitively, as the query collection does.
            var parameter = ListParameters.FirstOrDefault(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase));
            if (parameter is null)
            {
                var shown = name.Length > MaxDescribedNameLength ? name[..MaxDescribedNameLength] + "…" : name;
                errors[shown] = [$"{shown} is not a parameter of this route; its parameters are {string.Join(", ", ListParameters)}."];
            }
            else if (query[name].Count > 1)
            {
                errors[parameter] = [$"{parameter} must appear only once."];
            }
        }

        var status = DefaultStatus;
        if (Single(query, StatusParameter, errors) is { } givenStatus)
        {
            if (PaymentStatuses.All.Contains(givenStatus, StringComparer.Ordinal))
            {
                status = givenStatus;
            }
            else
            {
                errors[StatusParameter] = [$"status must be one of: {string.Join(", ", PaymentStatuses.All)}."];
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
            if (ReviewCursor.TryDecode(givenCursor, out var position))
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
}
