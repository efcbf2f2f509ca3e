using System.Text;
using Payments.Consumer.Portal;

namespace Payments.Consumer.Tests.Portal;

public sealed class PortalResponseParserTests
{
    private const string Id = "0x00000000000000000000000000000000000000000000000000000000000000aa";

    [Fact]
    public void Keeps_an_amount_sent_as_a_json_number_digit_for_digit()
    {
        var body = $$"""{"transaction_status":"mined","transaction_hash":null,"token_amount":123456789012345678901234567890}""";

        var transaction = PortalResponseParser.Parse(Encoding.UTF8.GetBytes(body), Id);

        transaction.TokenAmount.ShouldBe("123456789012345678901234567890");
        transaction.TransactionId.ShouldBe(Id);
        transaction.TransactionHash.ShouldBeNull();
    }

    [Theory]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("""{"transaction_hash":"0x1"}""", "no transaction_status")]
    [InlineData("""{"transaction_status":"mined","reference":{}}""", "reference is a JSON Object")]
    [InlineData("""{"transaction_status":"mined","transaction_id":"0xbb"}""", "answer is for transaction 0xbb")]
    [InlineData("<html>", "unparsable portal response")]
    public void Rejects_an_answer_that_is_not_a_transaction_with_the_reason(string body, string reason)
    {
        var exception = Should.Throw<PortalRequestException>(() => PortalResponseParser.Parse(Encoding.UTF8.GetBytes(body), Id));

        exception.Reason.ShouldStartWith("unparsable portal response: ");
        exception.Reason.ShouldContain(reason);
    }
}
