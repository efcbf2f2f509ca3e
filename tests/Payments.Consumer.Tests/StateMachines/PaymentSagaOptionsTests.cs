using System.ComponentModel.DataAnnotations;
using Payments.Consumer.StateMachines;

namespace Payments.Consumer.Tests.StateMachines;

public class PaymentSagaOptionsTests
{
    [Fact]
    public void Defaults_expire_after_fifteen_minutes_and_confirm_late_payments()
    {
        var options = new PaymentSagaOptions();

        options.ExpiryAfter.ShouldBe(TimeSpan.FromMinutes(15));
        options.LatePayments.ShouldBe(LatePaymentPolicy.Confirm);
        Validate(options).ShouldBeEmpty();
    }

    [Fact]
    public void An_expiry_the_broker_native_delays_can_hold_is_accepted()
    {
        Validate(new PaymentSagaOptions { ExpiryAfter = TimeSpan.FromSeconds((1 << 18) - 1) }).ShouldBeEmpty();
    }

    [Fact]
    public void An_expiry_longer_than_the_broker_native_delays_can_hold_stops_the_start_naming_the_setting()
    {
        var errors = Validate(new PaymentSagaOptions { ExpiryAfter = TimeSpan.FromDays(4) });

        var error = errors.ShouldHaveSingleItem();
        error.MemberNames.ShouldBe(["ExpiryAfter"]);
        error.ErrorMessage!.ShouldContain("longer than the broker-native delays can hold");
    }

    [Fact]
    public void An_unknown_late_payment_policy_is_refused()
    {
        Validate(new PaymentSagaOptions { LatePayments = (LatePaymentPolicy)7 }).ShouldHaveSingleItem().MemberNames.ShouldBe(["LatePayments"]);
    }

    private static List<ValidationResult> Validate(PaymentSagaOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
