#!/usr/bin/env bash
# Benchmark: `run` over TCP against the TDS test server holding a generated
# municipality (default: large). Prints generation time, the run's wall time
# and peak memory (/usr/bin/time -v), and the extraction's rows per second.
#   npm run bench [-- small|medium|large]
set -euo pipefail
cd "$(dirname "$0")/../.."
size="${1:-large}"
command -v /usr/bin/time >/dev/null || { apt-get update -q && apt-get install -y -q time; }

work=$(mktemp -d /tmp/procapita-sync-bench.XXXXXX)
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
password='bench-only-password'

start=$(date +%s.%N)
npm run --silent generate -- --size "$size" --out "$work/municipality.json" >/dev/null
echo "generate $size: $(awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN { printf \"%.1f\", b - a }") s"

npm run --silent tds-server -- --fixture "$work/municipality.json" --port "$port" --user bench --password "$password" --tls >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do grep -q "127.0.0.1:$port" "$work/server.log" 2>/dev/null && break; sleep 0.5; done
grep -q "127.0.0.1:$port" "$work/server.log" || { cat "$work/server.log"; echo "the TDS test server did not start"; exit 1; }

# The generated configuration, pointed at the server.
node -e '
  const fs = require("fs");
  const [gen, out, port, ca] = process.argv.slice(1);
  const c = JSON.parse(fs.readFileSync(gen, "utf8"));
  c.source = { type: "sql", host: "127.0.0.1", port: Number(port), database: "ProCapita", user: "bench", passwordEnv: "BENCH_SQL_PASSWORD", caFile: ca };
  fs.writeFileSync(out, JSON.stringify(c));
' "$work/municipality.config.json" "$work/config.json" "$port" "$PWD/test/certs/ca.crt"

BENCH_SQL_PASSWORD="$password" /usr/bin/time -v node --import tsx src/cli/main.ts run --config "$work/config.json" --date 2026-09-01 --out "$work/out" >"$work/run.out" 2>"$work/run.err"
grep -E '^Read [0-9]+ rows' "$work/run.err"
grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$work/run.err" | sed 's/^\s*/run: /'
grep -E '^Total ' "$work/run.out"
echo "snapshot: $(cat "$work"/out/*.json | wc -c) bytes"
