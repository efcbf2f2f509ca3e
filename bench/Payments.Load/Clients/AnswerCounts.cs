using System.Collections.Concurrent;
using System.Globalization;

namespace Payments.Load.Clients;

/// <summary>Every answer a client got, by status code, and the calls that got none (refused, reset, timed out).</summary>
public sealed class AnswerCounts
{
    public const string NoAnswer = "no answer";

    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Record(int statusCode) => _counts.AddOrUpdate(statusCode.ToString(CultureInfo.InvariantCulture), 1, static (_, n) => n + 1);

    public void RecordNoAnswer() => _counts.AddOrUpdate(NoAnswer, 1, static (_, n) => n + 1);

    /// <summary>The counts so far, status codes in order and <see cref="NoAnswer"/> last.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> Snapshot() =>
        [.. _counts.OrderBy(c => c.Key == NoAnswer ? 1 : 0).ThenBy(c => c.Key, StringComparer.Ordinal)];

    /// <summary>Of <paramref name="answers"/> (a <see cref="Snapshot"/>), those other than 2xx and the calls without one: what a client saw go wrong.</summary>
    public static int CountErrors(IEnumerable<KeyValuePair<string, int>> answers) => answers.Where(c => !c.Key.StartsWith('2')).Sum(c => c.Value);
}
