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

    /// <summary>The properties of <see cref="ResolvePaymentRequest"/>; any other property is refused.</summary>
    public static IReadOnlyList<string> ResolveFields { get; } = ["resolution", "note"];

    internal sealed record ValidResolution(string Resolution, string Note);

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
}
