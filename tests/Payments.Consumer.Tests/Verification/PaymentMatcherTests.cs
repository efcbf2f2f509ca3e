using Payments.Consumer.Verification;
using static Payments.Consumer.Tests.Verification.VerificationData;

namespace Payments.Consumer.Tests.Verification;

public class PaymentMatcherTests
{
    [Fact]
    public void Mined_with_hash_and_every_field_matching_is_confirmed()
    {
        var verdict = PaymentMatcher.Evaluate(Command(), Transaction());

        verdict.ShouldBe(new Verdict.Confirmed(Hash));
    }

    [Theory]
    [InlineData("0x9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F1A0B")]
    [InlineData("0x9a8B7c6D5e4F3a2B1c0D9e8F7a6B5c4D3e2F1a0B")]
    public void Recipient_is_compared_without_regard_to_case(string recipient)
    {
        var verdict = PaymentMatcher.Evaluate(Command(), Transaction() with { Recipient = recipient });

        verdict.ShouldBeOfType<Verdict.Confirmed>();
    }

    [Fact]
    public void Token_is_compared_without_regard_to_case()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Token = "usdc" }).ShouldBeOfType<Verdict.Confirmed>();
    }

    [Fact]
    public void Amount_with_leading_zeros_is_the_same_integer()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { TokenAmount = "0001500000" }).ShouldBeOfType<Verdict.Confirmed>();
    }

    [Fact]
    public void Amounts_beyond_64_bits_are_compared_exactly()
    {
        var command = Command() with { Token = "WLD", Amount = "123456789012345678901234567890" };
        var transaction = Transaction() with { Token = "WLD", TokenAmount = "123456789012345678901234567891" };

        PaymentMatcher.Evaluate(command, transaction).ShouldBe(
            new Verdict.Rejected("amount mismatch: expected 123456789012345678901234567890, got 123456789012345678901234567891"));
    }

    [Theory]
    [InlineData("1000000", "amount mismatch: expected 1500000, got 1000000")]
    [InlineData("1500000.0", "amount mismatch: expected 1500000, got 1500000.0")]
    [InlineData("1.5", "amount mismatch: expected 1500000, got 1.5")]
    [InlineData("-1500000", "amount mismatch: expected 1500000, got -1500000")]
    [InlineData(" 1500000", "amount mismatch: expected 1500000, got  1500000")]
    [InlineData("", "amount mismatch: expected 1500000, got (none)")]
    [InlineData(null, "amount mismatch: expected 1500000, got (none)")]
    public void Amount_that_is_not_exactly_the_expected_integer_is_rejected(string? amount, string reason)
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { TokenAmount = amount }).ShouldBe(new Verdict.Rejected(reason));
    }

    [Fact]
    public void Reference_mismatch_names_the_field()
    {
        var verdict = PaymentMatcher.Evaluate(Command(), Transaction() with { Reference = "00000000000000000000000000000000" });

        verdict.ShouldBe(new Verdict.Rejected($"reference mismatch: expected {Reference}, got 00000000000000000000000000000000"));
    }

    [Fact]
    public void Reference_differing_only_in_case_is_a_mismatch()
    {
        var verdict = PaymentMatcher.Evaluate(Command(), Transaction() with { Reference = Reference.ToUpperInvariant() });

        verdict.ShouldBeOfType<Verdict.Rejected>().Reason.ShouldStartWith("reference mismatch:");
    }

    [Fact]
    public void Recipient_mismatch_names_the_field()
    {
        const string other = "0x0000000000000000000000000000000000000001";

        var verdict = PaymentMatcher.Evaluate(Command(), Transaction() with { Recipient = other });

        verdict.ShouldBe(new Verdict.Rejected($"recipient mismatch: expected {Recipient}, got {other}"));
    }

    [Fact]
    public void Token_mismatch_names_the_field()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Token = "WLD" })
            .ShouldBe(new Verdict.Rejected("token mismatch: expected USDC, got WLD"));
    }

    [Fact]
    public void Missing_reference_is_a_mismatch()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Reference = null })
            .ShouldBe(new Verdict.Rejected($"reference mismatch: expected {Reference}, got (none)"));
    }

    [Fact]
    public void Failed_on_chain_is_rejected_whatever_the_fields_say()
    {
        PaymentMatcher.Evaluate(Command(), Transaction("failed") with { TokenAmount = "1" })
            .ShouldBe(new Verdict.Rejected("transaction failed on chain"));
    }

    [Theory]
    [InlineData("pending", Hash)]
    [InlineData("pending", null)]
    [InlineData("mined", null)]
    [InlineData("mined", "")]
    [InlineData("mined", "  ")]
    public void Pending_or_mined_without_hash_is_not_final(string status, string? hash)
    {
        PaymentMatcher.Evaluate(Command(), Transaction(status, hash)).ShouldBeOfType<Verdict.Pending>();
    }

    [Fact]
    public void Status_is_compared_without_regard_to_case()
    {
        PaymentMatcher.Evaluate(Command(), Transaction("MINED")).ShouldBeOfType<Verdict.Confirmed>();
    }

    [Fact]
    public void Unknown_status_is_an_error_rather_than_a_guess()
    {
        Should.Throw<UnexpectedPortalStatusException>(() => PaymentMatcher.Evaluate(Command(), Transaction("reverted")))
            .Status.ShouldBe("reverted");
    }
}
