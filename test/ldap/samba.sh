#!/usr/bin/env bash
# A real Samba Active Directory domain controller for the LDAP tests (root only; loopback only).
#
#   test/ldap/samba.sh start DIR [LEASE_PID]   provision into DIR once (reused later), start, wait until ready
#   test/ldap/samba.sh stop DIR [LEASE_PID]    stop by PID (with LEASE_PID: only when no other live lease remains)
#   test/ldap/samba.sh status DIR              exit 0 when running
#
# Realm TEST.LOCAL, domain TEST, base DC=test,DC=local, Administrator's password in DIR/admin.password.
# LDAP on 127.0.0.1:389 (plain simple binds refused: StartTLS first) and LDAPS on 127.0.0.1:636, both
# with test/certs/server.crt. The schema has extensionAttribute1 (Exchange's) as a may-attribute of user.
# Samba's ports are fixed: one instance per machine. See test/ldap/README.md.
set -euo pipefail
SCRIPT=samba.sh
source "$(dirname "$0")/common.sh"

ADMIN_PASSWORD='Adm1n-Pass!2026'
BASE='DC=test,DC=local'

parse_args "$@"
PIDFILE=$DIR/samba.pid
LOG=$DIR/log/samba.stdout

provision() {
  local p
  echo "$SCRIPT: provisioning a Samba AD DC into $DIR"
  # Leftovers of an interrupted provision: remove only what provisioning creates.
  for p in etc private state cache bind-dns tls run log gencache.tdb admin.password schema.d provision.log; do
    rm -rf "${DIR:?}/$p"
  done
  install_tls "$DIR"
  mkdir -p "$DIR/run" "$DIR/log"
  if ! samba-tool domain provision --targetdir="$DIR" --realm=TEST.LOCAL --domain=TEST --server-role=dc \
    --dns-backend=NONE --use-rfc2307 --adminpass="$ADMIN_PASSWORD" --host-name=dc1 --host-ip=127.0.0.1 \
    --option="netbios name=DC1" --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="server services=ldap" --option="dsdb:schema update allowed=true" \
    --option="pid directory=$DIR/run" --option="log file=$DIR/log/samba.log" \
    --option="winbindd socket directory=$DIR/run/winbindd" --option="ntp signd socket directory=$DIR/run/ntp_signd" \
    --option="tls enabled=yes" --option="tls keyfile=$DIR/tls/server.key" \
    --option="tls certfile=$DIR/tls/server.crt" --option="tls cafile=$DIR/tls/ca.crt" \
    >"$DIR/provision.log" 2>&1; then
    tail -n 30 "$DIR/provision.log" >&2
    die "samba-tool domain provision failed (log: $DIR/provision.log)"
  fi
  # Only the LDAP service runs: drop the file shares whose paths lie outside DIR.
  python3 - "$DIR/etc/smb.conf" <<'EOF'
import re, sys
path = sys.argv[1]
text = open(path).read()
text = re.sub(r'\n\[(homes|printers|print\$)\]\n(?:\t[^\n]*\n)*', '\n', text)
open(path, 'w').write(text)
EOF
  add_extension_attribute
  # The service account's password must not expire while DIR is reused.
  samba-tool domain passwordsettings set -H "$DIR/private/sam.ldb" --configfile="$DIR/etc/smb.conf" \
    --max-pwd-age=0 >>"$DIR/provision.log" 2>&1 || die "samba-tool domain passwordsettings failed (log: $DIR/provision.log)"
  printf '%s\n' "$ADMIN_PASSWORD" >"$DIR/admin.password"
  touch "$DIR/.provisioned"
}

# Exchange's extensionAttribute1 (OID 1.2.840.113556.1.2.423) is not in Samba's schema. It is added
# offline, one change per ldbmodify run: the schema is only reloaded (schemaUpdateNow) between transactions.
add_extension_attribute() {
  local d=$DIR/schema.d f
  mkdir -p "$d"
  cat >"$d/1-attribute.ldif" <<EOF
dn: CN=ms-Exch-Extension-Attribute-1,CN=Schema,CN=Configuration,$BASE
changetype: add
objectClass: top
objectClass: attributeSchema
cn: ms-Exch-Extension-Attribute-1
lDAPDisplayName: extensionAttribute1
adminDisplayName: ms-Exch-Extension-Attribute-1
attributeID: 1.2.840.113556.1.2.423
attributeSyntax: 2.5.5.12
oMSyntax: 64
isSingleValued: TRUE
rangeLower: 1
rangeUpper: 1024
searchFlags: 1
EOF
  cat >"$d/2-reload.ldif" <<EOF
dn:
changetype: modify
add: schemaUpdateNow
schemaUpdateNow: 1
-
EOF
  cat >"$d/3-user.ldif" <<EOF
dn: CN=User,CN=Schema,CN=Configuration,$BASE
changetype: modify
add: mayContain
mayContain: extensionAttribute1
-
EOF
  cp "$d/2-reload.ldif" "$d/4-reload.ldif"
  for f in "$d"/1-attribute.ldif "$d"/2-reload.ldif "$d"/3-user.ldif "$d"/4-reload.ldif; do
    ldbmodify -H "$DIR/private/sam.ldb" --configfile="$DIR/etc/smb.conf" "$f" >>"$DIR/provision.log" 2>&1 ||
      die "adding extensionAttribute1 to the schema failed at ${f##*/} (log: $DIR/provision.log)"
  done
}

start() {
  require_bins "samba samba-ad-dc samba-ad-provision samba-dsdb-modules winbind ldb-tools ldap-utils" \
    samba samba-tool ldbmodify ldapsearch python3
  ((EUID == 0)) || die "must run as root (Samba's LDAP ports 389 and 636 are privileged)"
  if pid=$(pid_is "$PIDFILE" samba); then
    lease_add "$DIR" "$LEASE"
    wait_ready "$DIR" ldaps://127.0.0.1:636 "$pid" samba "$LOG"
    echo "$SCRIPT: already running (pid $pid), reused"
    return
  fi
  rm -f "$PIDFILE"
  if port_open 636 || port_open 389; then
    die "127.0.0.1:389 or :636 is already in use by another process (another samba.sh DIR or an LDAP server?): stop it first"
  fi
  [[ -f $DIR/.provisioned ]] || provision
  install_tls "$DIR" # the key's mode again, in case DIR was copied
  mkdir -p "$DIR/log" "$DIR/run"
  samba -s "$DIR/etc/smb.conf" -F -M single --debug-stdout </dev/null >>"$LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  lease_add "$DIR" "$LEASE"
  wait_ready "$DIR" ldaps://127.0.0.1:636 "$pid" samba "$LOG"
  echo "$SCRIPT: started (pid $(cat "$PIDFILE")) in $DIR"
}

dispatch samba
