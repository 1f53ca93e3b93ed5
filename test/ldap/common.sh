# Shared helpers for test/ldap/samba.sh and test/ldap/slapd.sh (sourced, not run).
# Test-only: these servers listen on loopback and use the public test keys in test/certs.

# samba, slapd and slappasswd live in /usr/sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

CERTS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../certs" && pwd)"

usage() { die "usage: $SCRIPT start|stop|status DIR [LEASE_PID]"; }

# parse_args "$@": sets cmd, DIR (created, absolute) and LEASE from "start|stop|status DIR [LEASE_PID]".
parse_args() {
  (($# >= 2)) || usage
  cmd=$1
  mkdir -p "$2"
  DIR=$(cd "$2" && pwd)
  LEASE=${3:-}
}

die() {
  echo "$SCRIPT: $*" >&2
  exit 1
}

# require_bins PACKAGES BIN...: fails with the Debian packages to install when a binary is missing.
require_bins() {
  local packages=$1 missing=() b
  shift
  for b in "$@"; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  ((${#missing[@]} == 0)) || die "missing ${missing[*]}: install the Debian packages $packages (test/run-all.sh does)"
}

# Copies the test CA and server certificate into DIR/tls; the key gets mode 0600 (samba refuses others,
# and git does not keep the mode of test/certs/server.key).
install_tls() {
  local dir=$1
  mkdir -p "$dir/tls"
  cp "$CERTS/ca.crt" "$CERTS/server.crt" "$dir/tls/"
  install -m 0600 "$CERTS/server.key" "$dir/tls/server.key"
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# alive PID: true while the process exists and is not a zombie (a killed server may stay one until reaped).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# pid_is PIDFILE NAME: prints the PID when the file names a live process whose command is NAME.
pid_is() {
  local file=$1 name=$2 pid
  [[ -s $file ]] || return 1
  pid=$(tr -dc 0-9 <"$file")
  [[ -n $pid ]] && alive "$pid" || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 1
  echo "$pid"
}

# Leases let several test processes share one server: start adds DIR/leases/PID, stop with a PID
# removes it and stops the server only when no live process holds a lease. Callers hold DIR/.lock.
lease_add() {
  local dir=$1 holder=$2
  [[ -n $holder ]] || return 0
  mkdir -p "$dir/leases"
  : >"$dir/leases/$holder"
}

# lease_release DIR PID: removes PID's lease and stale ones; true when other live leases remain.
lease_release() {
  local dir=$1 holder=$2 f pid others=1
  rm -f "$dir/leases/$holder"
  for f in "$dir"/leases/*; do
    [[ -e $f ]] || continue
    pid=${f##*/}
    if alive "$pid"; then
      others=0
    else
      rm -f "$f"
    fi
  done
  return $others
}

# stop_pid PIDFILE NAME: SIGTERM, then SIGKILL after 10 s; removes the PID file.
stop_pid() {
  local file=$1 name=$2 pid i
  if pid=$(pid_is "$file" "$name"); then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 100); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    echo "$SCRIPT: stopped $name (pid $pid)"
  else
    echo "$SCRIPT: $name was not running"
  fi
  rm -f "$file"
}

# wait_ready DIR URL PID NAME LOG: polls an anonymous rootDSE search over URL (verifying the
# certificate with the test CA) for up to 60 s; fails early if the server process PID dies.
wait_ready() {
  local dir=$1 url=$2 pid=$3 name=$4 log=$5 i
  for i in $(seq 1 240); do
    if LDAPTLS_CACERT="$dir/tls/ca.crt" LDAPTLS_REQCERT=demand ldapsearch -x -LLL -o nettimeout=2 -l 2 \
      -H "$url" -b '' -s base namingContexts >/dev/null 2>&1; then
      return 0
    fi
    if ! alive "$pid"; then
      echo "$SCRIPT: $name exited during start; last lines of $log:" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    sleep 0.25
  done
  echo "$SCRIPT: $name did not answer a rootDSE search on $url within 60 s; last lines of $log:" >&2
  tail -n 30 "$log" >&2 || true
  exit 1
}

# dispatch NAME: under DIR's lock, runs $cmd (start, stop or status) for the server NAME. stop leaves the
# server running while another process still holds a lease on it.
dispatch() {
  local name=$1
  exec 9>"$DIR/.lock"
  flock 9
  case $cmd in
    start) start ;;
    stop)
      if [[ -n $LEASE ]] && lease_release "$DIR" "$LEASE"; then
        echo "$SCRIPT: still leased by $(ls "$DIR/leases" | tr '\n' ' '); left running"
        return
      fi
      stop_pid "$PIDFILE" "$name"
      ;;
    status) pid_is "$PIDFILE" "$name" ;;
    *) usage ;;
  esac
}
