-- One service's PostgreSQL role and database: the role owns its database and nothing else (no
-- superuser, no CREATEDB, no CREATEROLE), and no other role may connect to it. Idempotent: run
-- it again to change the password. Run once per service, as an administrator:
--   psql -v ON_ERROR_STOP=1 -v db=tenancy -v role=gmbot_tenancy -v password=... -f roles.sql
--   psql -v ON_ERROR_STOP=1 -v db=enforcement -v role=gmbot_enforcement -v password=... -f roles.sql
\set ON_ERROR_STOP on
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
              'NOBYPASSRLS PASSWORD %L', :'role', :'password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'role') \gexec
-- PUBLIC may connect to a new database by default: only its owner (and administrators) may.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
