using Payments.Infrastructure.Tokens;

namespace Payments.Infrastructure.Tests.Tokens;

public class TokenAmountTests
{
    [Theory]
    [InlineData("1.5", 6, "1500000")]
    [InlineData("1", 6, "1000000")]
    [InlineData("0.000001", 6, "1")]
    [InlineData("007.25", 6, "7250000")]
    [InlineData("0.000000000000000001", 18, "1")]
    [InlineData("123456789012345678901234567890.123456789012345678", 18, "123456789012345678901234567890123456789012345678")]
    public void Converts_whole_units_to_base_units_exactly(string amount, int decimals, string expected)
    {
        TokenAmount.TryToBaseUnits(amount, decimals, out var baseUnits).ShouldBe(TokenAmount.ParseError.None);
        baseUnits.ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("1500000", 6, "1.5")]
    [InlineData("1000000", 6, "1")]
    [InlineData("1", 6, "0.000001")]
    [InlineData("1", 18, "0.000000000000000001")]
    [InlineData("0", 6, "0")]
    [InlineData("123456789012345678901234567890123456789012345678", 18, "123456789012345678901234567890.123456789012345678")]
    public void Formats_base_units_as_whole_units_exactly(string baseUnits, int decimals, string expected) =>
        TokenAmount.ToWholeUnits(baseUnits, decimals).ShouldBe(expected);

    [Theory]
    [InlineData("1.5")]
    [InlineData("0.000000000000000001")]
    [InlineData("999999.999999999999999999")]
    public void Round_trips_every_wld_amount(string amount)
    {
        TokenAmount.TryToBaseUnits(amount, 18, out var baseUnits).ShouldBe(TokenAmount.ParseError.None);
        TokenAmount.ToWholeUnits(baseUnits.ToString(), 18).ShouldBe(amount);
    }

    [Theory]
    [InlineData("1.0000001", 6, "TooManyDecimals")]
    [InlineData("0.0000000000000000001", 18, "TooManyDecimals")]
    [InlineData("0", 6, "NotPositive")]
    [InlineData("0.000000", 6, "NotPositive")]
    [InlineData("-1", 6, "NotADecimal")]
    [InlineData("+1", 6, "NotADecimal")]
    [InlineData("1e3", 6, "NotADecimal")]
    [InlineData("1E-3", 6, "NotADecimal")]
    [InlineData("1,5", 6, "NotADecimal")]
    [InlineData(".5", 6, "NotADecimal")]
    [InlineData("1.", 6, "NotADecimal")]
    [InlineData(" 1", 6, "NotADecimal")]
    [InlineData("1\n", 6, "NotADecimal")]
    [InlineData("abc", 6, "NotADecimal")]
    [InlineData("NaN", 6, "NotADecimal")]
    [InlineData("Infinity", 6, "NotADecimal")]
    [InlineData("١", 6, "NotADecimal")]
    [InlineData("", 6, "NotADecimal")]
    [InlineData("115792089237316195423570985008687907853269984665640564039457.584007913129639936", 18, "TooLarge")]
    public void Rejects_amounts_that_are_not_exact_positive_decimals(string amount, int decimals, string expected) =>
        TokenAmount.TryToBaseUnits(amount, decimals, out _).ToString().ShouldBe(expected);

    [Fact]
    public void Accepts_the_largest_uint256_amount()
    {
        TokenAmount.TryToBaseUnits("115792089237316195423570985008687907853269984665640564039457.584007913129639935", 18, out var baseUnits)
            .ShouldBe(TokenAmount.ParseError.None);
        baseUnits.ShouldBe((System.Numerics.BigInteger.One << 256) - 1);
    }

    [Fact]
    public void Rejects_absurdly_long_input_before_parsing() =>
        TokenAmount.TryToBaseUnits(new string('9', 10_000), 6, out _).ShouldBe(TokenAmount.ParseError.TooLarge);
}
