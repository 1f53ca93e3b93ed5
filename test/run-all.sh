#!/usr/bin/env bash
# The whole test suite on a fresh Linux machine (as root): the Debian packages
# and services the tests need, the type check, then every test.
# README's second command and .ci/run call this, after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: freetds-bin (tsql, an independent TDS client
# for test/tds); for test/ldap, a Samba AD DC (samba … ldb-tools; samba-ad-provision is only a
# Recommends but provisioning needs it) and OpenLDAP (slapd, ldap-utils); for the credential
# store, a real Secret Service (gnome-keyring under dbus-run-session, libsecret-1-0 for keytar);
# tmux, the pseudo-terminal that drives the wizard end to end; wine64, which runs the Windows exe
# in test/exe (about 700 MB; a failed install fails the run: those tests never skip); chromium, the
# browser test/report renders the run reports in (playwright-core drives it; nothing is downloaded),
# with fonts-dejavu-core so that its screenshots show text (fonts are only a Recommends of chromium).
packages=(freetds-bin samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools slapd ldap-utils gnome-keyring dbus libsecret-1-0 tmux wine64 chromium fonts-dejavu-core)
bash build/ensure-debian-packages.sh "${packages[@]}"

npm run --silent typecheck

# The binaries test/exe runs (build:exe installs its own Debian tools), then their sizes and start-up times.
npm run --silent build:exe
npm run --silent bench:exe -- 5

mkdir -p .test-output
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-output/vitest.json || status=$?
# One plain closing line, the same whatever the test runner prints.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".test-output/vitest.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || status=1
exit "$status"
