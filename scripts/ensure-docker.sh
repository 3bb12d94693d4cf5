#!/usr/bin/env bash
# Make sure this Debian machine has a running Docker engine with gVisor registered as runtime "runsc".
#
#   sudo scripts/ensure-docker.sh
#
# Idempotent and fast when everything is already in place (no apt-get, no restart):
#   1. packages docker.io and runsc installed (apt-get update + install only when one is missing)
#   2. /etc/docker/daemon.json registers runtime "runsc" with runtimeArgs ["--network=none"]
#      and "live-restore": true (merged into an existing file, never clobbered)
#   3. a Docker engine answers `docker info`; without systemd, dockerd is started in the background
#      with its log in /var/log/dockerd.log
#
# Environment: DOCKERD_WAIT_SECONDS (default 60) - how long to wait for the engine to answer.
set -euo pipefail

DAEMON_JSON=/etc/docker/daemon.json
DOCKERD_LOG=/var/log/dockerd.log
DOCKERD_PID=/var/run/docker.pid
DOCKER_SOCK=/var/run/docker.sock
WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"
# golang-github-docker-docker-dev: the engine's own default seccomp profile, which the gateway
# tightens for sandboxes (same version as docker.io)
PACKAGES=(docker.io runsc golang-github-docker-docker-dev)
INSTALL_HINT="as root on Debian 12: apt-get update && apt-get install -y docker.io runsc, then register runsc in ${DAEMON_JSON} as {\"runtimes\":{\"runsc\":{\"path\":\"/usr/bin/runsc\",\"runtimeArgs\":[\"--network=none\"]}}} and start dockerd"

# shellcheck source=lib/process.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/process.sh"

step() { printf 'ensure-docker: %s\n' "$*"; }
die() { printf 'ensure-docker: ERROR: %s\n' "$*" >&2; exit 1; }

# --- 0. preconditions ---------------------------------------------------------------------------
if [[ "$(id -u)" -ne 0 ]]; then
  # Not root: fine if an engine with runsc already answers for this user, otherwise we cannot fix it.
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
    step "not root, but a Docker engine with runtime runsc answers: ok"
    exit 0
  fi
  die "must run as root to install/configure Docker (${INSTALL_HINT})"
fi
if [[ ! -r /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1; then
  die "this script supports Debian (apt) only; ${INSTALL_HINT}"
fi

# --- 1. packages --------------------------------------------------------------------------------
is_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
missing=()
for p in "${PACKAGES[@]}"; do is_installed "$p" || missing+=("$p"); done
if ((${#missing[@]} == 0)); then
  step "packages ${PACKAGES[*]}: installed"
else
  step "packages: installing ${missing[*]} (apt-get update + install)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed; ${INSTALL_HINT}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed; ${INSTALL_HINT}"
  for p in "${missing[@]}"; do is_installed "$p" || die "package $p still not installed; ${INSTALL_HINT}"; done
  step "packages: installed ${missing[*]}"
fi
RUNSC_PATH="$(command -v runsc || true)"
[[ -n "$RUNSC_PATH" ]] || RUNSC_PATH=/usr/bin/runsc
[[ -x "$RUNSC_PATH" ]] || die "runsc binary not found after install; ${INSTALL_HINT}"
command -v dockerd >/dev/null 2>&1 || die "dockerd not found after install; ${INSTALL_HINT}"

# --- 2. daemon.json -----------------------------------------------------------------------------
# Merge with node (the project needs it anyway). Prints "changed" or "unchanged".
merge_daemon_json() {
  local file="$1" runsc="$2"
  if command -v node >/dev/null 2>&1; then
    node --input-type=module - "$file" "$runsc" <<'EOF'
import fs from 'node:fs';
const [file, runsc] = process.argv.slice(2);
let cfg = {};
let before = '';
if (fs.existsSync(file)) {
  before = fs.readFileSync(file, 'utf8');
  if (before.trim() !== '') {
    try { cfg = JSON.parse(before); } catch (e) { console.error(`${file} is not valid JSON: ${e.message}`); process.exit(2); }
  }
}
if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) { console.error(`${file} must hold a JSON object`); process.exit(2); }
cfg.runtimes = (cfg.runtimes && typeof cfg.runtimes === 'object') ? cfg.runtimes : {};
const cur = cfg.runtimes.runsc && typeof cfg.runtimes.runsc === 'object' ? cfg.runtimes.runsc : {};
// --network=none: runsc refuses NetworkMode none without it. --oci-seccomp: without it runsc
// ignores the container's seccomp profile, and user namespaces (unshare -U) work inside.
const ours = ['--network=none', '--oci-seccomp'];
const args = Array.isArray(cur.runtimeArgs)
  ? cur.runtimeArgs.filter((a) => !String(a).startsWith('--network') && String(a) !== '--oci-seccomp')
  : [];
cfg.runtimes.runsc = { ...cur, path: cur.path || runsc, runtimeArgs: [...args, ...ours] };
if (cfg['live-restore'] === undefined) cfg['live-restore'] = true;
const after = JSON.stringify(cfg, null, 2) + '\n';
const same = before !== '' && (() => { try { return JSON.stringify(JSON.parse(before)) === JSON.stringify(cfg); } catch { return false; } })();
if (same) { console.log('unchanged'); process.exit(0); }
fs.mkdirSync(file.replace(/\/[^/]*$/, ''), { recursive: true });
if (before !== '') fs.writeFileSync(`${file}.bak`, before);
fs.writeFileSync(`${file}.tmp`, after);
fs.renameSync(`${file}.tmp`, file);
console.log('changed');
EOF
  else
    die "need node to edit ${file}; install Node.js >= 20 and re-run"
  fi
}
daemon_json_state="$(merge_daemon_json "$DAEMON_JSON" "$RUNSC_PATH")" || die "could not update ${DAEMON_JSON} (fix or remove it and re-run)"
if [[ "$daemon_json_state" == "changed" ]]; then
  step "${DAEMON_JSON}: registered runtime runsc (--network=none --oci-seccomp), live-restore (previous file kept as ${DAEMON_JSON}.bak if there was one)"
else
  step "${DAEMON_JSON}: runtime runsc already registered"
fi

# --- 3. engine ----------------------------------------------------------------------------------
engine_up() { timeout 10 docker info >/dev/null 2>&1; }
has_runsc() { timeout 10 docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; }
dockerd_pid() {
  local pid
  if [[ -r "$DOCKERD_PID" ]]; then
    pid="$(cat "$DOCKERD_PID" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat /proc/"$pid"/comm 2>/dev/null)" == dockerd ]]; then
      echo "$pid"; return 0
    fi
  fi
  return 1
}
wait_engine() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  until [[ -S "$DOCKER_SOCK" ]] && engine_up; do
    if ((SECONDS >= deadline)); then
      die "Docker engine did not answer on ${DOCKER_SOCK} within ${WAIT_SECONDS}s; see ${DOCKERD_LOG} (last lines: $(tail -n 5 "$DOCKERD_LOG" 2>/dev/null | tr '\n' ' '))"
    fi
    sleep 0.5
  done
}
start_dockerd() {
  if [[ -e "$DOCKERD_PID" ]] && ! dockerd_pid >/dev/null; then
    rm -f "$DOCKERD_PID"   # stale pid file from a dead dockerd would make the new one refuse to start
  fi
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  # The engine outlives this script and its terminal or CI job, and holds nothing of theirs: a
  # lock the caller holds (the image build's) must not live on in dockerd and every container.
  detach "$DOCKERD_LOG" dockerd
  wait_engine
}

if engine_up; then
  if [[ "$daemon_json_state" == "changed" ]] || ! has_runsc; then
    # runtimes and live-restore are reloadable: SIGHUP first (running containers untouched),
    # full restart only if the engine still does not list runsc.
    if pid="$(dockerd_pid)"; then
      kill -HUP "$pid"
      for _ in $(seq 1 20); do has_runsc && break; sleep 0.25; done
    fi
    if has_runsc; then
      step "docker engine: reloaded configuration (runsc registered)"
    elif pid="$(dockerd_pid)"; then
      step "docker engine: restarting dockerd (pid ${pid}) to apply ${DAEMON_JSON}"
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && die "dockerd (pid ${pid}) did not stop within 30s; stop it and re-run"
      start_dockerd
    else
      die "a Docker engine answers but was not started by dockerd with ${DOCKERD_PID} (systemd?); restart it yourself so it reads ${DAEMON_JSON} (e.g. systemctl restart docker)"
    fi
  fi
  step "docker engine: running ($(docker info --format 'server {{.ServerVersion}}, runtimes: {{range $k, $v := .Runtimes}}{{$k}} {{end}}' 2>/dev/null))"
else
  if pid="$(dockerd_pid)"; then
    step "docker engine: dockerd (pid ${pid}) is starting; waiting up to ${WAIT_SECONDS}s"
    wait_engine
  else
    step "docker engine: starting dockerd in the background (log: ${DOCKERD_LOG})"
    start_dockerd
  fi
  has_runsc || die "Docker engine runs but does not list runtime runsc; check ${DAEMON_JSON} and ${DOCKERD_LOG}"
  step "docker engine: running ($(docker info --format 'server {{.ServerVersion}}, runtimes: {{range $k, $v := .Runtimes}}{{$k}} {{end}}' 2>/dev/null))"
fi
