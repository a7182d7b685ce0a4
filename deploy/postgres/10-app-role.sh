#!/bin/sh
# Runs once, when the postgres container initialises an empty data volume (docker-entrypoint-initdb.d).
# POSTGRES_USER (retaguarda) owns the database and runs the migrations; the app connects as retaguarda_app:
# no superuser, owns nothing, and `retaguarda migrate` grants it SELECT, INSERT, UPDATE and DELETE on the
# tables, so PostgreSQL's row-level security policies hold every statement it sends.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="${APP_DB_PASSWORD:-retaguarda_app}" <<'SQL'
CREATE ROLE retaguarda_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
SQL
