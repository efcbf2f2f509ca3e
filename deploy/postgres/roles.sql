-- The API's PostgreSQL role and what it may do in the Payments database. Run with psql, connected to that database:
--
--   psql -v ON_ERROR_STOP=1 -v owner=payments -v api_role=payments_api [-v api_password=...] -d payments -f roles.sql
--
-- With api_password (needs a superuser or CREATEROLE; run.sh and docker-compose's init script): creates the role, or resets
-- its password. Without it: only the grants, for a role that exists already (the integration tests, run by the database
-- owner in a database of their own). Idempotent.
--
-- owner (payments) owns the database and the saga schema, runs the saga migrations and is the consumer's login.
-- api_role may read the saga tables, those of later migrations included, and create a schema of its own (api, for the
-- API's idempotency store, which it migrates itself); it can write nothing in public and cannot migrate the saga schema.
\set ON_ERROR_STOP on

\if :{?api_password}
SELECT format('CREATE ROLE %I LOGIN', :'api_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'api_role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
              :'api_role', :'api_password') \gexec
\endif

-- CONNECT, and CREATE for its own schema. Nothing on other databases: PUBLIC keeps only its default CONNECT there.
SELECT format('GRANT CONNECT, CREATE ON DATABASE %I TO %I', current_database(), :'api_role') \gexec

-- PostgreSQL 15 already gives PUBLIC no CREATE on public; a database created from an older template may still have it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"api_role";

-- The tables there now, and every table the owner creates later (the next migration's).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"api_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"api_role";
