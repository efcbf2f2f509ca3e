using System.Security.Cryptography;
using System.Text;
using Payments.Consumer.Webhooks;

namespace Payments.Consumer.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    private const string Body = """{"id":"e1","type":"payment.confirmed"}""";
    private const string First = "first-secret-0123456789abcdef0123456789";
    private const string Second = "second-secret-0123456789abcdef012345678";

    [Fact]
    public void The_header_carries_the_timestamp_and_the_hmac_of_timestamp_dot_body()
    {
        var header = WebhookSignature.Create(1_700_000_000, Body, [First]);

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(First), Encoding.UTF8.GetBytes("1700000000." + Body)));
        header.ShouldBe($"t=1700000000,v1={expected}");
    }

    [Fact]
    public void Every_secret_of_a_rotation_signs_in_its_order()
    {
        var header = WebhookSignature.Create(1_700_000_000, Body, [First, Second]);

        var parts = header.Split(',');
        parts.Length.ShouldBe(3);
        parts[1].ShouldBe(WebhookSignature.Create(1_700_000_000, Body, [First]).Split(',')[1]);
        parts[2].ShouldBe(WebhookSignature.Create(1_700_000_000, Body, [Second]).Split(',')[1]);
    }

    [Fact]
    public void Another_body_or_timestamp_gives_another_signature()
    {
        var signature = WebhookSignature.Create(1_700_000_000, Body, [First]);

        WebhookSignature.Create(1_700_000_001, Body, [First]).Split(',')[1].ShouldNotBe(signature.Split(',')[1]);
        WebhookSignature.Create(1_700_000_000, Body + " ", [First]).Split(',')[1].ShouldNotBe(signature.Split(',')[1]);
    }

    [Fact]
    public void No_secret_is_refused() =>
        Should.Throw<ArgumentException>(() => WebhookSignature.Create(1, Body, []));
}
