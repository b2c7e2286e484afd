# lib.sh — TAP helpers for the shell tests: plan, ok, is, like, skip_all, bail_out, run.
# Sets T to a fresh temporary directory, removed on exit.
: "${HOLO_BIN:=$(cd "$(dirname "$0")/.." && pwd)/bin}"
: "${HOLO_TOOLS:=$(cd "$(dirname "$0")/.." && pwd)/build/tools}"
: "${HOLO_VECTORS:=$(cd "$(dirname "$0")/../.." && pwd)/shared/vectors}"
export HOLO_BIN HOLO_TOOLS HOLO_VECTORS
T=$(mktemp -d "${TMPDIR:-/tmp}/holo-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
_n=0
_failed=0
plan() { echo "1..$1"; }
# skip_all: only for what the machine cannot give (no /dev/fuse, mounting not permitted); never
# for a package `make deps` installs or something the build makes: that is bail_out, a failure.
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
bail_out() { echo "Bail out! $1"; exit 1; }
# Failures are also written to stderr (with their diagnostics), which prove shows without -v:
# a CI log then names the assertion that failed.
ok() {
    _n=$((_n + 1))
    if [ "$1" = 0 ]; then echo "ok $_n - $2"
    else echo "not ok $_n - $2"; echo "#   Failed test $_n - $2 ($(basename "$0"))" >&2; _failed=$((_failed + 1)); fi
}
# diag LINE: a diagnostic on stdout (TAP) and stderr (not `tee /dev/stderr`: reopening a log
# file that stderr points to truncates it)
diag() { echo "$1"; echo "$1" >&2; }
is() { if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "#   got '$1', want '$2'"; fi; }
like() { case "$1" in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; diag "#   '$1' does not contain '$2'" ;; esac; }
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
# small_texts DIR N: N real small text files of 1-20 KB into DIR (man page sources first, then
# the Perl modules that `make deps` brings: minimal systems may ship without man pages).
# Prints how many were written.
small_texts() {
    _i=0
    for _f in $(ls /usr/share/man/man[1-8]/*.gz 2> /dev/null | head -6000) \
              $(find /usr/share/perl /usr/share/perl5 /usr/lib/x86_64-linux-gnu/perl-base \
                  -name '*.pm' 2> /dev/null | sort | head -3000); do
        case "$_f" in *.gz) zcat "$_f" > "$1/.t" 2> /dev/null || continue ;; *) cp "$_f" "$1/.t" ;; esac
        _s=$(stat -c %s "$1/.t")
        [ "$_s" -ge 1024 ] && [ "$_s" -le 20480 ] && { _i=$((_i + 1)); mv "$1/.t" "$1/$_i.man"; }
        [ $_i -ge "$2" ] && break
    done
    rm -f "$1/.t"
    echo $_i
}
# run CMD...: sets rc, out (stdout) and err (stderr).
run() { "$@" > "$T/.out" 2> "$T/.err"; rc=$?; out=$(cat "$T/.out"); err=$(cat "$T/.err"); rm -f "$T/.out" "$T/.err"; }
