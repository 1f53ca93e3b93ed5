#!/usr/bin/env bash
# The packed binaries (npm run build:exe): their sizes, and the time from start
# to the `--version` line, the mean and the range of N runs (default 10), for
#   - the Linux binary,
#   - the Windows exe under Wine (a fresh prefix; the first start, which also
#     starts wineserver, is shown apart),
#   - the source as `npm start` runs it (node with tsx), for comparison;
#   - a bare `node -e 0`, and the Linux binary's mean over it (issue 15: at most 2×).
#   npm run bench:exe [-- N]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-10}"
linux=dist/procapita-sync
exe=dist/procapita-sync.exe
for f in "$linux" "$exe"; do
  [[ -f $f ]] || { echo "$f is missing: npm run build:exe first" >&2; exit 1; }
done
wine=/usr/lib/wine/wine64
[[ -x $wine ]] || { echo "wine64 is missing: apt-get install --no-install-recommends wine64" >&2; exit 1; }

work=$(mktemp -d /tmp/procapita-sync-bench-exe.XXXXXX)
export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
trap '/usr/lib/wine/wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT

now() { date +%s%N; }
# The line each command must print; empty for `node -e 0`, which prints nothing.
expect='^procapita-sync '
# Runs "$@" once with stdout to a file (Wine cannot write to a pipe); prints the milliseconds.
once() {
  local start end
  start=$(now)
  "$@" >"$work/out" 2>"$work/err" || { cat "$work/err" >&2; return 1; }
  end=$(now)
  [[ -z $expect ]] || grep -q "$expect" "$work/out" || { echo "no version line from: $*" >&2; cat "$work/out" "$work/err" >&2; return 1; }
  echo $(((end - start) / 1000000))
}
# Prints "mean ms (min–max), N runs".
series() {
  local times=() t
  for _ in $(seq 1 "$runs"); do t=$(once "$@"); times+=("$t"); done
  printf '%s\n' "${times[@]}" | awk -v n="$runs" '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
    END { printf "%5d ms mean (%d–%d ms), %d runs\n", s / NR, lo, hi, n }'
}
mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MB (%d bytes)", b / 1e6, b }'; }

echo "Sizes"
echo "  $linux      $(mb "$linux")"
echo "  $exe  $(mb "$exe")"
echo
"$linux" --version
echo
echo "Start to --version"
linux_series=$(series "$linux" --version)
echo "  Linux binary:                $linux_series"
"$wine" wineboot --init >/dev/null 2>&1
"$wine" winecfg -v win10 >/dev/null 2>&1
/usr/lib/wine/wineserver -k 2>/dev/null || true
echo "  Windows exe, Wine, first:    $(once "$wine" "$exe" --version) ms (starts wineserver)"
echo "  Windows exe under Wine:      $(series "$wine" "$exe" --version)"
echo "  node + tsx (npm start):      $(series node --import tsx src/cli/main.ts --version)"
node_series=$(expect='' series node -e 0)
echo "  node -e 0 (bare Node.js):    $node_series"
awk -v a="${linux_series%% ms*}" -v b="${node_series%% ms*}" 'BEGIN { r = a / b; printf "  Linux binary ÷ node -e 0:    %.2f (target ≤ 2: %s)\n", r, r <= 2 ? "met" : "NOT met" }'
