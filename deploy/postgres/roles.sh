#!/bin/sh
# Run once by the postgres image on the first start of an empty data directory
# (/docker-entrypoint-initdb.d): each service's role and database, with the roles.sql of
# deploy/kubernetes/postgres-roles (mounted at /gmbot/roles.sql), as the administrator.
# A data directory made before this script: README "Upgrading" runs the same with psql.
set -eu
roles() {
  psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -q \
    -v db="$1" -v role="gmbot_$1" -v password="$2" -f /gmbot/roles.sql
}
roles tenancy "${TENANCY_DB_PASSWORD:?}"
roles enforcement "${ENFORCEMENT_DB_PASSWORD:?}"
