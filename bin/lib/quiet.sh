# Sourced by bin/demo, bin/test and bin/setup: run a long command with its whole output in a log file and show a
# person only progress, the result and, on failure, the errors and where the full log is.
# WEFT_VERBOSE=1 shows everything instead (bash .ci/run sets it).

# The directory for logs of these scripts (WEFT_LOG_DIR, default /tmp/weft-logs).
weft_log_dir() {
  local d=${WEFT_LOG_DIR:-${TMPDIR:-/tmp}/weft-logs}
  mkdir -p "$d"
  echo "$d"
}

# Prints the lines of a Maven log that say what failed (no Maven boilerplate), at most 40.
mvn_errors() {
  grep -E '^\[ERROR\]' "$1" \
    | grep -vE '^\[ERROR\] *$|^\[ERROR\] (-> \[Help|To see the full|Re-run Maven|For more information|\[Help 1\]|After correcting|  mvn )' \
    | head -n 40
}

# run_logged WHAT LOG CMD...: CMD's output goes to LOG; on failure WHAT, the errors and LOG's path go to stderr.
run_logged() {
  local what=$1 log=$2 rc=0
  shift 2
  if [[ ${WEFT_VERBOSE:-0} == 1 ]]; then "$@"; return; fi
  "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    echo "$what failed (exit $rc):" >&2
    if grep -q '^\[ERROR\]' "$log"; then mvn_errors "$log" >&2; else tail -n 30 "$log" >&2; fi
    echo "full log: $log" >&2
  fi
  return $rc
}
