#!/usr/bin/env bash
# Starts the locally installed PostgreSQL cluster when it is not running.
# Prints what it did; exits non-zero when no server could be reached.
set -u
url=${SYNCCTL_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
ready() { pg_isready -q -d "$url" 2>/dev/null; }
if ! command -v pg_isready >/dev/null 2>&1; then
  echo "ensure-postgres: PostgreSQL client tools not installed; PostgreSQL tests will skip (or fail under CI)"
  exit 1
fi
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for v in $(ls /etc/postgresql); do
    echo "ensure-postgres: starting PostgreSQL $v cluster main"
    pg_ctlcluster --skip-systemctl-redirect "$v" main start 2>&1 || true
  done
fi
for _ in $(seq 1 50); do
  ready && exit 0
  sleep 0.2
done
echo "ensure-postgres: no PostgreSQL server answers at $url"
exit 1
