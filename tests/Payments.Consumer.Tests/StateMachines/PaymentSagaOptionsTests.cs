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
    public void An_expiry_of_up_to_seven_days_is_accepted_since_no_broker_delay_holds_it()
    {
        Validate(new PaymentSagaOptions { ExpiryAfter = TimeSpan.FromDays(7) }).ShouldBeEmpty();
    }

    [Fact]
    public void An_expiry_longer_than_seven_days_stops_the_start_naming_the_setting()
    {
        var errors = Validate(new PaymentSagaOptions { ExpiryAfter = TimeSpan.FromDays(7).Add(TimeSpan.FromSeconds(1)) });

        errors.ShouldHaveSingleItem().MemberNames.ShouldBe(["ExpiryAfter"]);
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
