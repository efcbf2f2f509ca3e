using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Payments.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class VerdictsFollowTheMoney : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_payments_transaction_id",
                table: "payments");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_checked_at",
                table: "payments",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "review_reason",
                table: "payments",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "submitted_after_expiry",
                table: "payments",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "verification_due_at",
                table: "payments",
                type: "timestamp with time zone",
                nullable: true);

            // Intents verifying before this migration are due now: the reconciler looks at them once.
            migrationBuilder.Sql("UPDATE payments SET verification_due_at = updated_at WHERE current_state = 'Verifying'");

            migrationBuilder.CreateIndex(
                name: "ix_payments_awaiting_expires",
                table: "payments",
                column: "expires_at",
                filter: "current_state = 'AwaitingTransaction'");

            migrationBuilder.CreateIndex(
                name: "ix_payments_transaction_id",
                table: "payments",
                column: "transaction_id",
                filter: "transaction_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_payments_verifying_due",
                table: "payments",
                column: "verification_due_at",
                filter: "current_state = 'Verifying'");

            migrationBuilder.CreateIndex(
                name: "ux_payments_confirmed_transaction_id",
                table: "payments",
                column: "transaction_id",
                unique: true,
                filter: "transaction_id IS NOT NULL AND current_state = 'Confirmed'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_payments_awaiting_expires",
                table: "payments");

            migrationBuilder.DropIndex(
                name: "ix_payments_transaction_id",
                table: "payments");

            migrationBuilder.DropIndex(
                name: "ix_payments_verifying_due",
                table: "payments");

            migrationBuilder.DropIndex(
                name: "ux_payments_confirmed_transaction_id",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "first_checked_at",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "review_reason",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "submitted_after_expiry",
                table: "payments");

            migrationBuilder.DropColumn(
                name: "verification_due_at",
                table: "payments");

            migrationBuilder.CreateIndex(
                name: "ix_payments_transaction_id",
                table: "payments",
                column: "transaction_id",
                unique: true,
                filter: "transaction_id IS NOT NULL");
        }
    }
}
