#!/bin/sh
# PostgreSQL container init (/docker-entrypoint-initdb.d, first start only), as the superuser: the owner role and database,
# then the API's role and its grants from roles.sql, the same file run.sh applies.
set -eu
: "${PAYMENTS_POSTGRES_DB:?}" "${PAYMENTS_POSTGRES_USER:?}" "${PAYMENTS_POSTGRES_PASSWORD:?}"
: "${PAYMENTS_POSTGRES_API_USER:?}" "${PAYMENTS_POSTGRES_API_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 -q -d postgres -v owner="$PAYMENTS_POSTGRES_USER" -v owner_password="$PAYMENTS_POSTGRES_PASSWORD" \
  -v db="$PAYMENTS_POSTGRES_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'owner_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL

psql -v ON_ERROR_STOP=1 -q -d "$PAYMENTS_POSTGRES_DB" -v owner="$PAYMENTS_POSTGRES_USER" \
  -v api_role="$PAYMENTS_POSTGRES_API_USER" -v api_password="$PAYMENTS_POSTGRES_API_PASSWORD" -f /payments/roles.sql
