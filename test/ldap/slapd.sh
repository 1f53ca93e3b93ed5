#!/usr/bin/env bash
# A private OpenLDAP slapd with AD-like attributes and AD-like limits, for the LDAP tests (loopback only).
#
#   test/ldap/slapd.sh start DIR [LEASE_PID]   write DIR/slapd.conf, load the base entries once, start, wait
#   test/ldap/slapd.sh stop DIR [LEASE_PID]    stop by PID (with LEASE_PID: only when no other live lease remains)
#   test/ldap/slapd.sh status DIR              exit 0 when running
#
# ldap://127.0.0.1:3389 (plain simple binds refused, code 13: StartTLS first) and ldaps://127.0.0.1:3636,
# base dc=test,dc=local. Like AD's MaxPageSize, an unpaged search over 1000 entries fails with code 4;
# paged searches return everything. Limits do not apply to the rootdn (cn=admin,dc=test,dc=local,
# password in DIR/admin.password, for loading), so the tests bind as the ordinary entry
# cn=svc-sync,ou=service,dc=test,dc=local (password in DIR/svc.password). See test/ldap/README.md.
set -euo pipefail
SCRIPT=slapd.sh
source "$(dirname "$0")/common.sh"

ADMIN_PASSWORD='Adm1n-Pass!2026'
SVC_PASSWORD='Svc-Sync-Pass-2026!'
BASE='dc=test,dc=local'
URLS='ldap://127.0.0.1:3389/ ldaps://127.0.0.1:3636/'

parse_args "$@"
PIDFILE=$DIR/slapd.pid
LOG=$DIR/slapd.log

write_config() {
  install_tls "$DIR"
  # AD's attributes with AD's OIDs. The string ones match case-insensitively as in AD (Debian's
  # msuser.schema gives employeeID no equality rule, so filters on it never match there).
  # userAccountControl is an INTEGER, so AD's bitwise filter (userAccountControl:1.2.840.113556.1.4.803:=2)
  # works: OpenLDAP implements that matching rule under AD's OID.
  cat >"$DIR/ad.schema" <<'EOF'
attributetype ( 1.2.840.113556.1.4.221 NAME 'sAMAccountName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.35 NAME 'employeeID'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.423 NAME 'extensionAttribute1'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
  EQUALITY integerMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.2.840.113556.1.5.9 NAME 'user' SUP inetOrgPerson STRUCTURAL
  MAY ( sAMAccountName $ userPrincipalName $ employeeID $ extensionAttribute1 $ userAccountControl ) )
EOF
  local admin_hash
  admin_hash=$(slappasswd -s "$ADMIN_PASSWORD")
  cat >"$DIR/slapd.conf" <<EOF
# Written by test/ldap/slapd.sh on every start; test-only.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $DIR/ad.schema

pidfile $PIDFILE
argsfile $DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb

TLSCACertificateFile $DIR/tls/ca.crt
TLSCertificateFile $DIR/tls/server.crt
TLSCertificateKeyFile $DIR/tls/server.key

# Simple binds need transport security (strength 64, i.e. TLS); slapd answers 13 confidentialityRequired.
security simple_bind=64

access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none

database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw $admin_hash
directory $DIR/data
maxsize 268435456
# As AD's MaxPageSize=1000: unpaged searches stop at 1000 entries (code 4); paged ones may return all.
sizelimit size.soft=1000 size.hard=1000 size.prtotal=unlimited
index objectClass eq
index cn,sn,mail,employeeID,employeeNumber,extensionAttribute1,sAMAccountName,userPrincipalName eq
EOF
}

load_base() {
  local svc_hash
  echo "$SCRIPT: loading the base entries into $DIR/data"
  rm -rf "${DIR:?}/data"
  mkdir -p "$DIR/data"
  svc_hash=$(slappasswd -s "$SVC_PASSWORD")
  cat >"$DIR/base.ldif" <<EOF
dn: $BASE
objectClass: dcObject
objectClass: organization
dc: test
o: Test

dn: ou=service,$BASE
objectClass: organizationalUnit
ou: service

dn: cn=svc-sync,ou=service,$BASE
objectClass: person
cn: svc-sync
sn: svc-sync
userPassword: $svc_hash
EOF
  slapadd -q -f "$DIR/slapd.conf" -l "$DIR/base.ldif" >"$DIR/slapadd.log" 2>&1 ||
    { cat "$DIR/slapadd.log" >&2; die "slapadd of the base entries failed"; }
  printf '%s\n' "$ADMIN_PASSWORD" >"$DIR/admin.password"
  printf '%s\n' "$SVC_PASSWORD" >"$DIR/svc.password"
  touch "$DIR/.loaded"
}

start() {
  require_bins "slapd ldap-utils" slapd slapadd slappasswd ldapsearch
  if pid=$(pid_is "$PIDFILE" slapd); then
    lease_add "$DIR" "$LEASE"
    wait_ready "$DIR" ldaps://127.0.0.1:3636 "$pid" slapd "$LOG"
    echo "$SCRIPT: already running (pid $pid), reused"
    return
  fi
  rm -f "$PIDFILE"
  if port_open 3389 || port_open 3636; then
    die "127.0.0.1:3389 or :3636 is already in use by another process (another slapd.sh DIR?): stop it first"
  fi
  write_config
  [[ -f $DIR/.loaded ]] || load_base
  slaptest -u -f "$DIR/slapd.conf" >"$LOG" 2>&1 || { cat "$LOG" >&2; die "slaptest rejected $DIR/slapd.conf"; }
  # slapd forks into the background and writes its PID file itself; -d 0 would keep it in the foreground.
  slapd -f "$DIR/slapd.conf" -h "$URLS" -s 0 </dev/null >>"$LOG" 2>&1 9>&- ||
    { cat "$LOG" >&2; die "slapd failed to start"; }
  for _ in $(seq 1 50); do
    pid=$(pid_is "$PIDFILE" slapd) && break
    sleep 0.1
  done
  [[ -n ${pid:-} ]] || { cat "$LOG" >&2; die "slapd wrote no PID file $PIDFILE"; }
  lease_add "$DIR" "$LEASE"
  wait_ready "$DIR" ldaps://127.0.0.1:3636 "$pid" slapd "$LOG"
  echo "$SCRIPT: started (pid $(cat "$PIDFILE")) in $DIR"
}

dispatch slapd
