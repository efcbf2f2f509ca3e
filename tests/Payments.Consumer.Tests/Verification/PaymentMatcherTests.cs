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

    [Theory]
    [InlineData("USDC")]
    [InlineData("usdc")]
    [InlineData("USDCE")]
    [InlineData("USDC.e")]
    [InlineData("usdc.E")]
    public void Every_spelling_of_USDC_the_portal_has_used_is_USDC(string token)
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Token = token }).ShouldBeOfType<Verdict.Confirmed>();
    }

    [Theory]
    [InlineData("WLD")]
    [InlineData("wld")]
    public void WLD_is_compared_without_regard_to_case(string token)
    {
        var command = Command() with { Token = "WLD", Amount = "1000000000000000000" };

        PaymentMatcher.Evaluate(command, Transaction() with { Token = token, TokenAmount = "1000000000000000000" })
            .ShouldBeOfType<Verdict.Confirmed>();
    }

    [Fact]
    public void Amount_with_leading_zeros_is_the_same_integer()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { TokenAmount = "0001500000" }).ShouldBeOfType<Verdict.Confirmed>();
    }

    [Fact]
    public void An_amount_one_base_unit_short_goes_to_review_as_underpaid_with_both_amounts()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { TokenAmount = "1499999" }).ShouldBe(
            new Verdict.Review("underpaid", "underpaid: expected 1500000, got 1499999 (base units)", Hash));
    }

    [Fact]
    public void An_amount_above_the_expected_one_goes_to_review_as_overpaid()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { TokenAmount = "3000000" }).ShouldBe(
            new Verdict.Review("overpaid", "overpaid: expected 1500000, got 3000000 (base units)", Hash));
    }

    [Fact]
    public void Amounts_beyond_64_bits_are_compared_exactly()
    {
        var command = Command() with { Token = "WLD", Amount = "123456789012345678901234567890" };
        var transaction = Transaction() with { Token = "WLD", TokenAmount = "123456789012345678901234567891" };

        PaymentMatcher.Evaluate(command, transaction).ShouldBe(new Verdict.Review(
            "overpaid", "overpaid: expected 123456789012345678901234567890, got 123456789012345678901234567891 (base units)", Hash));
    }

    [Theory]
    [InlineData("1500000.0")]
    [InlineData("1.5")]
    [InlineData("-1500000")]
    [InlineData(" 1500000")]
    [InlineData("1e6")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("1111111111111111111111111111111111111111111111111111111111111111111111111111111")]
    public void An_amount_that_is_no_integer_of_base_units_is_an_unreadable_answer_never_a_verdict(string? amount)
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { TokenAmount = amount }).ShouldBe(new Verdict.Pending(Unknown: true));
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

    [Theory]
    [InlineData("WLD", "wrongToken: expected USDC, got WLD")]
    [InlineData("DOGE", "wrongToken: expected USDC, got DOGE")]
    [InlineData(null, "wrongToken: expected USDC, got (none)")]
    [InlineData("USDT\u0007", "wrongToken: expected USDC, got USDT?")]
    public void Money_in_another_token_goes_to_review_as_wrong_token(string? token, string reason)
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Token = token })
            .ShouldBe(new Verdict.Review("wrongToken", reason, Hash));
    }

    [Fact]
    public void Another_recipient_is_rejected_even_when_the_amount_is_also_wrong()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Recipient = "0x0000000000000000000000000000000000000001", TokenAmount = "1" })
            .ShouldBeOfType<Verdict.Rejected>().Reason.ShouldStartWith("recipient mismatch:");
    }

    [Fact]
    public void Another_reference_is_rejected_even_when_the_token_is_also_wrong()
    {
        PaymentMatcher.Evaluate(Command(), Transaction() with { Reference = "00000000000000000000000000000000", Token = "WLD" })
            .ShouldBeOfType<Verdict.Rejected>().Reason.ShouldStartWith("reference mismatch:");
    }

    [Fact]
    public void A_portal_value_quoted_in_a_reason_is_bounded_and_printable()
    {
        var reference = new string('a', 5000) + "\n\u0001";

        var reason = PaymentMatcher.Evaluate(Command(), Transaction() with { Reference = reference })
            .ShouldBeOfType<Verdict.Rejected>().Reason;

        reason.Length.ShouldBeLessThan(200);
        reason.ShouldNotContain("\n");
        reason.ShouldEndWith("…");
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
    [InlineData("mined", "0x123")]
    [InlineData("mined", "not-a-hash")]
    [InlineData("mined", "0x22222222222222222222222222222222222222222222222222222222222222222")]
    [InlineData("mined", "0x222222222222222222222222222222222222222222222222222222222222222g")]
    [InlineData("mined", "0x2222222222222222222222222222222222222222222222222222222222222222\n")]
    public void Pending_or_mined_without_a_valid_hash_is_not_final(string status, string? hash)
    {
        PaymentMatcher.Evaluate(Command(), Transaction(status, hash)).ShouldBe(new Verdict.Pending());
    }

    [Fact]
    public void A_hash_in_upper_case_confirms_and_is_kept_in_lower_case()
    {
        PaymentMatcher.Evaluate(Command(), Transaction(hash: "0x" + new string('A', 64)))
            .ShouldBe(new Verdict.Confirmed("0x" + new string('a', 64)));
    }

    [Fact]
    public void Status_is_compared_without_regard_to_case()
    {
        PaymentMatcher.Evaluate(Command(), Transaction("MINED")).ShouldBeOfType<Verdict.Confirmed>();
    }

    [Theory]
    [InlineData("reverted")]
    [InlineData("")]
    [InlineData("minedd")]
    public void Unknown_status_is_checked_again_rather_than_guessed(string status)
    {
        PaymentMatcher.Evaluate(Command(), Transaction(status)).ShouldBe(new Verdict.Pending(Unknown: true));
    }
}
