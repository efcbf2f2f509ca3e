using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Payments.Infrastructure.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "payments",
                columns: table => new
                {
                    correlation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    current_state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    reference = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    user_id = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    recipient = table.Column<string>(type: "character varying(42)", maxLength: 42, nullable: false),
                    token = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    amount = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    transaction_id = table.Column<string>(type: "character varying(66)", maxLength: 66, nullable: true),
                    transaction_hash = table.Column<string>(type: "character varying(66)", maxLength: 66, nullable: true),
                    raw_portal_status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    verification_attempts = table.Column<int>(type: "integer", nullable: false),
                    circuit_deferrals = table.Column<int>(type: "integer", nullable: false),
                    pending_checks = table.Column<int>(type: "integer", nullable: false),
                    last_error = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    confirmed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    expiry_token_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payments", x => x.correlation_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_payments_current_state",
                table: "payments",
                column: "current_state");

            migrationBuilder.CreateIndex(
                name: "ix_payments_transaction_id",
                table: "payments",
                column: "transaction_id",
                unique: true,
                filter: "transaction_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "payments");
        }
    }
}
