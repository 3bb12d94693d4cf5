#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running demo:
# installs what is needed, then seeds the demo accounts and serves http://127.0.0.1:8080/.
#
#   scripts/demo.sh [--port N] [--host ADDR] [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec node server/bin/vre.js demo "$@"
