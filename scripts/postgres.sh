#!/usr/bin/env bash
# Finds, or installs and starts, a PostgreSQL server for the test suite and exports
# PARTNERFLOW_TEST_DATABASE_URL (an admin connection; each test creates its own database).
# Order: an already set PARTNERFLOW_TEST_DATABASE_URL; a server on 127.0.0.1:5432 as user
# postgres; a local Debian cluster that is installed but stopped; `apt-get install postgresql`.
set -euo pipefail

pg_url_default="postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

# A server answering on the port counts, whether or not this machine has the client tools.
pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

pg_start_cluster() {
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1 || true)
  [ -n "$version" ] || return 1
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_ready && return 0; sleep 1; done
  return 1
}

pg_install() {
  echo "test: installing PostgreSQL with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
}

pg_set_password() {
  # A fresh Debian cluster asks for a password over TCP; give the postgres role one so the
  # URL above works whether the server trusts local TCP or not.
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
}

ensure_postgres() {
  if [ -n "${PARTNERFLOW_TEST_DATABASE_URL:-}" ]; then
    return 0
  fi
  if ! pg_ready; then
    pg_start_cluster || { pg_install; pg_start_cluster; }
  fi
  pg_ready || { echo "test: PostgreSQL did not start" >&2; return 1; }
  pg_set_password
  export PARTNERFLOW_TEST_DATABASE_URL="$pg_url_default"
}
