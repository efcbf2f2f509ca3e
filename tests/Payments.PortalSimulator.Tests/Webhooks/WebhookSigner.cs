using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Payments.PortalSimulator.Tests.Webhooks;

/// <summary>Signs as a sender does: HMAC-SHA256 keyed with the secret's UTF-8 bytes over <c>"{t}.{body}"</c>, lowercase hex.</summary>
public static class WebhookSigner
{
    public static string Sign(string secret, long timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{timestamp}.{body}"))));

    /// <summary><c>t=&lt;timestamp&gt;,v1=&lt;signature&gt;[,v1=...]</c>.</summary>
    public static string Header(long timestamp, params string[] signatures) =>
        string.Create(CultureInfo.InvariantCulture, $"t={timestamp}") + string.Concat(signatures.Select(signature => ",v1=" + signature));

    /// <summary>Whether a recorded header signs a recorded body with the secret: what a test can check itself.</summary>
    public static bool Verifies(string secret, string header, string body)
    {
        var parts = header.Split(',').Select(part => part.Split('=', 2)).ToList();
        var timestamp = long.Parse(parts.Single(part => part[0] == "t")[1], CultureInfo.InvariantCulture);
        var expected = Sign(secret, timestamp, body);
        return parts.Any(part => part[0] == "v1" && part[1] == expected);
    }
}
