#!/usr/bin/env bash
# PostgreSQL 15 server binaries for the tests (the store's suite and the replica tests start a server of their own
# on 127.0.0.1 with its own data folder: support/postgres.ts). Debian's package, installed when missing and this
# runs as root (as on CI and the project's machines); otherwise it says what to install. Nothing to do when found.
set -euo pipefail
for v in 15 16 17; do
  if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "postgres: installing Debian's postgresql-15 (server binaries for the tests)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 > /dev/null
  exit 0
fi
echo "postgres: ERROR: PostgreSQL server binaries not found: install Debian's postgresql-15 (sudo apt-get install postgresql-15)" >&2
exit 1
