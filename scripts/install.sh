#!/usr/bin/env bash
# Installs what the Visiting Research Environment needs on Debian 12 and builds it: Chromium,
# npm packages, the gateway and web app, a Docker engine with gVisor, and the sandbox image.
# Idempotent: a second run only checks. Run as root (apt-get); prints one line per step.
#
#   scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf 'install: %s\n' "$*"; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }

# --- Node.js ------------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "Node.js >= 20.19 is required (with npm); install it, then run this again"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js >= 20.19 is required, found $(node --version)"
step "node $(node --version), npm $(npm --version 2>/dev/null)"

# --- Debian packages ----------------------------------------------------------------------------
# chromium: the browser tests drive it. fonts-noto-cjk: the Japanese UI is readable in it.
# softhsm2: the PKCS#11 token that holds the keys in the demo and the tests (an HSM in production).
APT_PACKAGES=(chromium fonts-noto-cjk softhsm2)
is_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do is_installed "$p" || missing+=("$p"); done
  if ((${#missing[@]} == 0)); then
    step "debian packages ${APT_PACKAGES[*]}: installed"
  else
    [[ "$(id -u)" -eq 0 ]] || die "run as root to install ${missing[*]} (apt-get install -y ${missing[*]})"
    step "debian packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
  fi
else
  die "this script supports Debian (apt); install Chromium at /usr/bin/chromium yourself"
fi

# --- the demo's key token ------------------------------------------------------------------------
# A SoftHSM2 token labelled "vre" under .hsm/ (outside any data directory: a copy of the data must
# not carry what opens it), with a random user PIN in .hsm/pin (0600), where the gateway looks by
# default, and the SO PIN in .hsm/so-pin (0600). Made once; later runs only check it. In production
# the token is an HSM and the operator supplies the PIN (VRE_PKCS11_PIN_FILE).
HSM_DIR="$PWD/.hsm"
HSM_CONF="$HSM_DIR/softhsm2.conf"
if [[ -s "$HSM_DIR/pin" ]] && SOFTHSM2_CONF="$HSM_CONF" softhsm2-util --show-slots 2>/dev/null | grep -Eq 'Label:[[:space:]]+vre[[:space:]]*$'; then
  step "key token \"vre\" (SoftHSM2, .hsm/): present"
else
  command -v softhsm2-util >/dev/null 2>&1 || die "softhsm2-util is missing (apt-get install -y softhsm2)"
  [[ -e "$HSM_DIR/pin" ]] && die ".hsm/pin exists but its token \"vre\" does not; move .hsm/ aside (it may hold keys of a data directory) and run this again"
  step "key token: making a SoftHSM2 token \"vre\" under .hsm/"
  (
    umask 077
    # a token from a run cut short before its PIN was written can never be opened: start again
    rm -rf "$HSM_DIR/tokens"
    mkdir -p "$HSM_DIR/tokens"
    chmod 700 "$HSM_DIR" "$HSM_DIR/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$HSM_DIR/tokens" >"$HSM_CONF"
    user_pin="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    so_pin="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    SOFTHSM2_CONF="$HSM_CONF" softhsm2-util --init-token --free --label vre --pin "$user_pin" --so-pin "$so_pin" >/dev/null \
      || die "softhsm2-util could not initialise the token"
    printf '%s\n' "$so_pin" >"$HSM_DIR/so-pin"
    # the PIN file last: its presence says the token is complete
    printf '%s\n' "$user_pin" >"$HSM_DIR/pin.tmp"
    mv "$HSM_DIR/pin.tmp" "$HSM_DIR/pin"
  )
  step "key token: user PIN in .hsm/pin, SO PIN in .hsm/so-pin (both 0600)"
fi

# --- npm packages and build ---------------------------------------------------------------------
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  # `npm install`, not `npm ci`: npm 11 leaves the other platforms' optional DuckDB bindings out of
  # the lock file and then `npm ci` refuses it as out of sync. Versions still come from the lock.
  step "npm install (from package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
else
  step "npm packages: up to date"
fi
step "building gateway and web app"
npm run --silent build >/dev/null

# --- Docker engine with gVisor (the image build makes sure of it), and the sandbox image, cached
# by a hash of sandbox-images/ -------------------------------------------------------------------
bash scripts/build-sandbox-image.sh | sed 's/^/  /'
step "done"
