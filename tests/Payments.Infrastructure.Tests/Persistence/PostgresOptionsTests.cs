using Npgsql;
using Payments.Infrastructure.Persistence;

namespace Payments.Infrastructure.Tests.Persistence;

public sealed class PostgresOptionsTests
{
    [Fact]
    public void The_pooled_connection_string_skips_the_reset_on_close_and_prepares_repeated_statements()
    {
        var pooled = new NpgsqlConnectionStringBuilder(PostgresOptions.Pooled(PostgresOptions.DefaultConnectionString));

        pooled.NoResetOnClose.ShouldBeTrue();
        pooled.MaxAutoPrepare.ShouldBe(32);
        pooled.Host.ShouldBe("localhost");
        pooled.Username.ShouldBe("payments");
        pooled.Password.ShouldBe(PostgresOptions.DevelopmentPassword);
    }

    [Theory]
    [InlineData("No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("NoResetOnClose=false;MaxAutoPrepare=0")]
    public void Settings_the_connection_string_makes_itself_are_kept(string settings)
    {
        var pooled = new NpgsqlConnectionStringBuilder(PostgresOptions.Pooled($"Host=db;Username=u;Password=p;{settings}"));

        pooled.NoResetOnClose.ShouldBeFalse();
        pooled.MaxAutoPrepare.ShouldBe(0);
        pooled.Host.ShouldBe("db");
    }
}
