#!/usr/bin/env bash
# The bundled demo: serves the fake Acumatica on a free 127.0.0.1 port,
# then plans and applies examples/quickstart into demo.duckdb. A second
# run is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.demo
mkdir -p "$work"
rm -f "$work/url"

export ACUMATICA_USER=admin ACUMATICA_PASSWORD=demo-password
bin/fakeacumatica --tenant Company --tenant "Sub Co" --rows 5000 \
  --user "$ACUMATICA_USER" --password "$ACUMATICA_PASSWORD" \
  --url-file "$work/url" >"$work/fake.log" 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null; wait $fake 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  [ -s "$work/url" ] && break
  kill -0 $fake 2>/dev/null || { cat "$work/fake.log"; exit 1; }
  sleep 0.1
done
url=$(cat "$work/url")
echo "Fake Acumatica serving at $url"

vars=(--var "instance_url=$url" --var "duckdb_path=$root/demo.duckdb")
bin/syncctl --chdir examples/quickstart plan "${vars[@]}"
bin/syncctl --chdir examples/quickstart apply --auto-approve "${vars[@]}"
echo
bin/syncctl --chdir examples/quickstart status "${vars[@]}"
