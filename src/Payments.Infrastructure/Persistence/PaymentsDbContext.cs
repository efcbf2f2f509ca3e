using System.Text;
using Microsoft.EntityFrameworkCore;

namespace Payments.Infrastructure.Persistence;

/// <summary>The payments database: the saga rows of every payment intent, and the webhook events they led to.</summary>
public sealed class PaymentsDbContext(DbContextOptions<PaymentsDbContext> options) : DbContext(options)
{
    public DbSet<PaymentState> Payments => Set<PaymentState>();

    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        TruncateLastErrors();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        TruncateLastErrors();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfiguration(new PaymentStateConfiguration());
        modelBuilder.ApplyConfiguration(new WebhookEventConfiguration());

        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    // The last error comes from exceptions and portal answers of any length; a too-long text must never make a saga
    // unsaveable (the message would fault forever), so it is cut rather than rejected.
    private void TruncateLastErrors()
    {
        foreach (var entry in ChangeTracker.Entries<PaymentState>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified
                && entry.Entity.LastError is { Length: > PaymentStateConfiguration.LastErrorLength } error)
            {
                entry.Entity.LastError = error[..PaymentStateConfiguration.LastErrorLength];
            }
        }

        foreach (var entry in ChangeTracker.Entries<WebhookEvent>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified
                && entry.Entity.LastError is { Length: > WebhookEvent.LastErrorLength } error)
            {
                entry.Entity.LastError = error[..WebhookEvent.LastErrorLength];
            }
        }
    }

    internal static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                // A word starts at an upper-case letter after a lower-case one or a digit, or at the last capital of an acronym.
                if (i > 0)
                {
                    var previous = name[i - 1];
                    var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                    if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && nextIsLower))
                    {
                        builder.Append('_');
                    }
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
