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
APT_PACKAGES=(chromium fonts-noto-cjk)
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
