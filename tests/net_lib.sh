# net_lib.sh — shared helpers of the holonet shell tests (source after setting H, T and PIDS):
# random ports, bounded waits, rx/relay start-up with retries on port collisions, tx, inject
# and hand-made HNET datagrams (hdr, hexs).
rport() { echo $(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 )); }
# wait_for TEXT FILE PID: until FILE contains TEXT (10 s at most, or until PID exits)
wait_for() {
  i=0
  while [ $i -lt 200 ]; do
    grep -q "$1" "$2" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.05; i=$((i+1))
  done; return 1
}
# $SERVICE CMD... &: a long-running holonet (rx, relay) bounded to 300 s; $! is timeout's, and
# the one SIGTERM a test sends it reaches CMD and nothing else (--foreground). Without
# --foreground timeout also sends SIGTERM and SIGCONT to its process group, which on a loaded
# machine can land while a sanitizer build is in LeakSanitizer's exit scan: the SIGCONT cancels
# the SIGSTOP of the scan's ptrace attach, the scan waits forever, and rx was SIGKILLed after
# -k (status 137, "rx exits 0 on SIGTERM" failing now and then).
# (A variable, not a function: a function run with & is a subshell, which a SIGTERM would kill
# while timeout and CMD live on.)
SERVICE="timeout --foreground -k 60 300"
# start_rx LOG ARGS...: rx on a free random port (retried on collisions); sets RXPID RXPORT.
start_rx() {
  log=$1; shift
  for try in 1 2 3 4 5 6; do
    RXPORT=$(rport)
    $SERVICE "$H" rx --bind "${RXBIND:-127.0.0.1}" --port "$RXPORT" "$@" 2>"$log" &
    RXPID=$!; PIDS="$PIDS $RXPID"
    wait_for "listening on" "$log" "$RXPID" && return 0
    stop "$RXPID" 5
  done; return 1
}
# start_relay LOG ARGS...: relay to the rx port; sets RLPID RLPORT
start_relay() {
  log=$1; shift
  for try in 1 2 3 4 5 6; do
    RLPORT=$(rport)
    $SERVICE "$H" relay --bind 127.0.0.1 --listen "$RLPORT" --to "127.0.0.1:$RXPORT" "$@" 2>"$log" &
    RLPID=$!; PIDS="$PIDS $RLPID"
    wait_for "seed" "$log" "$RLPID" && return 0
    stop "$RLPID" 5
  done; return 1
}
# waitpid PID [SECONDS]: bounded wait for a background job; on expiry SIGKILL it (and the child of
# its timeout wrapper) and return 124. Never a second SIGTERM: nothing but the one SIGTERM may
# reach a sanitizer build during its exit scan (see SERVICE).
waitpid() {
  i=0; lim=$(( ${2:-30} * 20 ))
  while kill -0 "$1" 2>/dev/null && [ $i -lt $lim ]; do sleep 0.05; i=$((i+1)); done
  if kill -0 "$1" 2>/dev/null; then
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done
    kill -KILL "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 124
  fi
  wait "$1"
}
# stop PID [SECONDS]: one SIGTERM, then a bounded wait (60 s by default, as SERVICE's -k);
# returns the exit status
stop() { kill "$1" 2>/dev/null; waitpid "$1" "${2:-60}"; }
tx() { timeout -k 5 60 "$H" tx "$@" 2>>"$T/tx.log"; }
# inject HEXFILE ARGS...: datagrams (one hex line each) to the rx port
inject() { timeout -k 5 60 "$H" inject "127.0.0.1:$RXPORT" "$@" 2>/dev/null; }
# hdr TYPE ID TOTAL INDEX SEG NSEG: an HNET header in hex
hdr() { printf '484e455401%02x%08x%08x%08x%04x%04x' "$1" "$2" "$3" "$4" "$5" "$6"; }
hexs() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
