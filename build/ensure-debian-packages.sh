#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are missing (needs root).
# Used by the build (build/build-exe.sh) and the test suite (test/run-all.sh).
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]} > 0)) || exit 0
if [[ $(id -u) != 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
apt-get update -q
if [[ " ${missing[*]} " == *" slapd "* ]]; then
  # No default database or /etc/ldap/slapd.d: test/ldap/slapd.sh runs its own slapd.conf.
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
