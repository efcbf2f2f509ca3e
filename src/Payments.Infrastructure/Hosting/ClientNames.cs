using System.Text.RegularExpressions;

namespace Payments.Infrastructure.Hosting;

/// <summary>
/// What a client's name may be, wherever configuration names one: the API's clients (<c>Api:Clients:{name}</c>) and their
/// webhook endpoints (<c>Webhooks:{name}</c>). It is stored with every intent, so it fits the <c>client_id</c> column.
/// </summary>
public static partial class ClientNames
{
    /// <summary>The rule, for the message that refuses a name.</summary>
    public const string Rule = "a client name is 1 to 64 letters, digits, '.', '_' or '-'";

    public static bool IsValid(string name) => Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
