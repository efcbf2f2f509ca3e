using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Payments.Infrastructure.Hosting;

/// <summary>
/// Options checks that hold outside the Development environment only: a development default (a well-known key or password,
/// a plain-http address) must never reach any other environment. Registered next to the options they check, they run with
/// the other validators when <c>ValidateOnStart</c> does, so the host refuses to start with an
/// <see cref="OptionsValidationException"/> whose failures name the settings (never their values).
/// </summary>
/// <remarks>
/// A container built without a host (a tool, a unit test's bare <c>ServiceCollection</c>) has no environment and no
/// start-up to refuse; every Payments service runs in a host, which always registers <see cref="IHostEnvironment"/>.
/// </remarks>
public abstract class DevelopmentDefaultsGuard<TOptions>(IHostEnvironment? environment) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (environment is null || environment.IsDevelopment())
        {
            return ValidateOptionsResult.Skip;
        }

        var failures = Violations(options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>One message per setting that still has a development default, naming the setting only.</summary>
    protected abstract IEnumerable<string> Violations(TOptions options);

    /// <summary>The failure for a setting left at its development default.</summary>
    protected string StillDevelopmentDefault(string setting) =>
        $"{setting} still has its development default, which {OnlyDevelopment}: set a secret of this deployment.";

    /// <summary>The end of a failure message: what accepts a development default, and the environment this is.</summary>
    protected string OnlyDevelopment => $"only the Development environment accepts (this is {environment?.EnvironmentName})";
}
