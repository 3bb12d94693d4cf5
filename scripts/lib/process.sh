# Sourced by the install scripts: starting long-lived processes, and machine-wide locks that say
# who holds them. Bash only.

# detach LOG CMD...: starts CMD in the background, in a session of its own, with stdin from
# /dev/null, stdout and stderr appended to LOG, and no other descriptor of its starter. A daemon
# keeps every descriptor it inherits for as long as it runs, and passes them on to what it starts:
# a lock its starter held would be held by the daemon, and by every process after it, for good.
detach() {
  local log="$1"
  shift
  (
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then eval "exec ${fd}>&-"; fi
    done
    exec setsid "$@" >>"$log" 2>&1 </dev/null
  ) &
}

# lock_holders FILE: the processes other than this script that have FILE open, as
# "pid N (command line)" separated by "; ", or nothing.
lock_holders() {
  local file="$1" fdpath pid cmd
  local -A seen=()
  local out=()
  for fdpath in /proc/[0-9]*/fd/*; do
    [[ "$fdpath" -ef "$file" ]] 2>/dev/null || continue
    pid="${fdpath#/proc/}"
    pid="${pid%%/*}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" || -n "${seen[$pid]:-}" ]] && continue
    seen[$pid]=1
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
    out+=("pid $pid (${cmd% })")
  done
  local IFS=';'
  printf '%s' "${out[*]}" | sed 's/;/; /g'
}

# engine_holds FILE: true when every holder of FILE is a Docker engine process. Such a holder
# inherited the lock from an install that started the engine before `detach` existed; it lets go
# only when it ends, so waiting for it is pointless.
engine_holds() {
  local file="$1" fdpath pid comm any=1
  for fdpath in /proc/[0-9]*/fd/*; do
    [[ "$fdpath" -ef "$file" ]] 2>/dev/null || continue
    pid="${fdpath#/proc/}"
    pid="${pid%%/*}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    case "$comm" in
      dockerd | containerd* | runsc* | runc | docker-proxy) any=0 ;;
      *) return 1 ;;
    esac
  done
  return "$any"
}

# lock_or_die FD FILE SECONDS WHAT: takes an exclusive lock on FILE (opened as FD by the caller),
# waiting at most SECONDS. While it waits it says for what and for whom, every 30 s; past SECONDS,
# or at once when only a Docker engine holds it, it gives up naming the holders.
lock_or_die() {
  local fd="$1" file="$2" seconds="$3" what="$4" waited=0 slice
  flock -n "$fd" && return 0
  if engine_holds "$file"; then
    printf '%s: ERROR: %s is held by the Docker engine: %s. An install made before this fix started the engine with the lock still open; it lets go only when those processes end. Stop the engine and its sandboxes (kill the pids above), then run this again.\n' \
      "${0##*/}" "$file" "$(lock_holders "$file")" >&2
    return 1
  fi
  while ((waited < seconds)); do
    printf '%s: waiting for %s (lock %s, held by %s); %ss left\n' \
      "${0##*/}" "$what" "$file" "$(lock_holders "$file")" "$((seconds - waited))"
    slice=$((seconds - waited < 30 ? seconds - waited : 30))
    flock -w "$slice" "$fd" && return 0
    waited=$((waited + slice))
  done
  printf '%s: ERROR: gave up after %ss waiting for %s: %s is still held by %s. End that process if it is not an install in progress, then run this again.\n' \
    "${0##*/}" "$seconds" "$what" "$file" "$(lock_holders "$file")" >&2
  return 1
}
