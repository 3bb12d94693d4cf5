#!/usr/bin/env bash
# Build the VRE analysis sandbox image from sandbox-images/ (see sandbox-images/README.md).
#
#   scripts/build-sandbox-image.sh [--force] [--prune] [--print-tag] [--verbose]
#
#   vre-base:<base-hash>   debootstrap --variant=minbase bookworm + docker import;
#                          <base-hash> = content hash of sandbox-images/base/
#   vre-sandbox:<hash>     docker build of sandbox-images/Dockerfile FROM that base;
#                          <hash> = content hash of sandbox-images/{Dockerfile,base,debian,tools}
#   vre-sandbox:latest     moved to vre-sandbox:<hash>
#
# Cached: when vre-sandbox:<hash> exists nothing is built ("sandbox image up to date"); when only
# vre-base:<base-hash> exists, debootstrap is skipped. Needs root (or a docker-capable user when the
# base exists and debootstrap is not needed) on Debian, node+npm on the host (to fetch
# @duckdb/node-api from the npm registry into the build context), and Debian's mirror reachable
# from `docker build` (default bridge network).
#
#   --force      rebuild base and image even if the tags exist
#   --prune      afterwards remove other vre-sandbox:* / vre-base:* tags (those in use are kept)
#   --print-tag  print vre-sandbox:<hash> and exit (no Docker needed)
#   --verbose    stream debootstrap / docker build output instead of logging it
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), VRE_BUILD_LOG_DIR (default /var/tmp),
# VRE_BUILD_NETWORK (docker build --network; default: the bridge, which reaches Debian's mirror).
# VRE_BUILD_LOCK_WAIT_SECONDS (default 900): how long to wait for another build on this machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/sandbox-images"
IMAGE_REPO=vre-sandbox
BASE_REPO=vre-base
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
LOG_DIR="${VRE_BUILD_LOG_DIR:-/var/tmp}"
FORCE=0 PRUNE=0 PRINT_TAG=0 VERBOSE=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --prune) PRUNE=1 ;;
    --print-tag) PRINT_TAG=1 ;;
    --verbose) VERBOSE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build-sandbox-image: unknown option $arg (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf 'build-sandbox-image: %s\n' "$*"; }
die() { printf 'build-sandbox-image: ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

# Content hash of files under sandbox-images/: relative path, exec bit and SHA-256 of every file,
# sorted; first 12 hex digits. Only what goes into the image counts (Dockerfile, base/, debian/,
# tools/): README.md and test/ can change without a rebuild. node_modules/ and bytecode never count.
hash_tree() { # hash_tree DIR [ENTRY...]
  local dir="$1"; shift
  (
    cd "$dir"
    find "${@:-.}" -type f ! -path '*/node_modules/*' ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 \
      | LC_ALL=C sort -z \
      | while IFS= read -r -d '' f; do
          if [[ -x "$f" ]]; then m=755; else m=644; fi
          printf '%s %s %s\n' "$(sha256sum <"$f" | cut -c1-64)" "$m" "$f"
        done
  ) | sha256sum | cut -c1-12
}

[[ -f "$SRC/Dockerfile" && -d "$SRC/base" && -d "$SRC/tools" && -d "$SRC/debian" ]] || die "$SRC is incomplete (Dockerfile, base/, debian/, tools/ expected)"
HASH="$(hash_tree "$SRC" Dockerfile base debian tools)"
BASE_HASH="$(hash_tree "$SRC/base")"
TAG="$IMAGE_REPO:$HASH"
BASE_TAG="$BASE_REPO:$BASE_HASH"
if ((PRINT_TAG)); then echo "$TAG"; exit 0; fi

T_ALL="$(now)"
step "image $TAG (base $BASE_TAG)"

# One build at a time on this machine (a demo and a test run may both call this). A build takes a
# few minutes; a waiter gives up after VRE_BUILD_LOCK_WAIT_SECONDS (default 900), naming the holder.
# shellcheck source=lib/process.sh
source "$ROOT/scripts/lib/process.sh"
LOCK="${LOG_DIR}/vre-sandbox-build.lock"
if { exec 9>>"$LOCK"; } 2>/dev/null; then
  chmod 0666 "$LOCK" 2>/dev/null || true
  lock_or_die 9 "$LOCK" "${VRE_BUILD_LOCK_WAIT_SECONDS:-900}" "another sandbox image build" || exit 1
fi

# --- docker engine ---------------------------------------------------------------------------------
t="$(now)"
bash "$ROOT/scripts/ensure-docker.sh" | sed 's/^/  /'
step "docker engine ready ($(since "$t"))"
export DOCKER_BUILDKIT=0   # the classic builder: works with Debian's docker.io, no buildx plugin needed

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

prune_old() { # remove other vre-sandbox:* / vre-base:* tags; images used by containers are kept
  local repo ref
  for repo in "$IMAGE_REPO" "$BASE_REPO"; do
    for ref in $(docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo"); do
      case "$ref" in "$TAG"|"$IMAGE_REPO:latest"|"$BASE_TAG"|*:"<none>") continue ;; esac
      if docker image rm "$ref" >/dev/null 2>&1; then step "pruned $ref"; else step "kept $ref (in use)"; fi
    done
  done
}

if ((!FORCE)) && image_exists "$TAG"; then
  if [[ "$(docker image inspect -f '{{.Id}}' "$TAG")" != "$(docker image inspect -f '{{.Id}}' "$IMAGE_REPO:latest" 2>/dev/null || true)" ]]; then
    docker tag "$TAG" "$IMAGE_REPO:latest"
    step "tagged $IMAGE_REPO:latest -> $TAG"
  fi
  ((PRUNE)) && prune_old
  step "sandbox image up to date ($TAG)"
  exit 0
fi

run_logged() { # name cmd...: run, output to a log (or the terminal with --verbose); tail the log on failure
  local name="$1"; shift
  local log="$LOG_DIR/vre-sandbox-$name.log"
  if ((VERBOSE)); then "$@"; return; fi
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "$name failed; full log: $log"
  fi
}

WORK=""
cleanup() {
  [[ -n "$WORK" && -d "$WORK" ]] || return 0
  # debootstrap mounts proc/sys inside the target; never rm -rf through a mount.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null || true; done < <(awk -v w="$WORK" 'index($2, w) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
WORK="$(mktemp -d "${LOG_DIR}/vre-sandbox-build.XXXXXX")"

# --- base image ------------------------------------------------------------------------------------
if ((!FORCE)) && image_exists "$BASE_TAG"; then
  step "base image $BASE_TAG: cached"
else
  [[ "$(id -u)" -eq 0 ]] || die "building the base image needs root (debootstrap); run as root"
  if ! command -v debootstrap >/dev/null 2>&1; then
    t="$(now)"
    step "installing debootstrap (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } \
      || die "could not install debootstrap: apt-get install -y debootstrap"
    step "debootstrap installed ($(since "$t"))"
  fi
  t="$(now)"
  step "debootstrap --variant=minbase bookworm from $MIRROR (~30 s)"
  run_logged debootstrap bash "$SRC/base/mkrootfs.sh" "$WORK/rootfs" "$MIRROR"
  step "rootfs ready: $(du -sh --one-file-system "$WORK/rootfs" | cut -f1) ($(since "$t"))"
  t="$(now)"
  tar --numeric-owner --one-file-system -C "$WORK/rootfs" -c . \
    | docker import \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' \
        --message "vre base: debootstrap --variant=minbase bookworm (sandbox-images/base $BASE_HASH)" \
        - "$BASE_TAG" >/dev/null
  cleanup; WORK="$(mktemp -d "${LOG_DIR}/vre-sandbox-build.XXXXXX")"
  step "base image $BASE_TAG imported: $(docker image inspect -f '{{.Size}}' "$BASE_TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }') ($(since "$t"))"
fi

# --- build context ---------------------------------------------------------------------------------
t="$(now)"
command -v npm >/dev/null 2>&1 || die "npm not found on the host: apt-get install -y nodejs npm (Node >= 18)"
CTX="$WORK/context"
mkdir -p "$CTX"
cp "$SRC/Dockerfile" "$CTX/"
cp -r "$SRC/tools" "$CTX/tools"
cp -r "$SRC/debian" "$CTX/debian"
rm -rf "$CTX/tools/node_modules"
find "$CTX/tools" -name __pycache__ -type d -prune -exec rm -rf {} +
mkdir -p "$CTX/npm"
cp "$SRC/tools/package.json" "$SRC/tools/package-lock.json" "$CTX/npm/"
# npm ci refuses this lockfile with npm 11 (it lists only the linux platform packages of
# @duckdb/node-bindings); npm install with the lockfile present installs exactly the locked versions.
run_logged npm-install npm install --prefix "$CTX/npm" --omit=dev --ignore-scripts --no-audit --no-fund --no-save
mv "$CTX/npm/node_modules" "$CTX/node_modules"
rm -rf "$CTX/npm"
chmod -R u=rwX,go=rX "$CTX"   # image files readable by the researcher without a chmod layer
ls "$CTX"/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so >/dev/null 2>&1 \
  || die "npm did not install @duckdb/node-bindings-linux-x64 (libduckdb.so) into the build context"
step "build context ready: @duckdb/node-api $(node -p "require('$CTX/node_modules/@duckdb/node-api/package.json').version" 2>/dev/null || echo '?') ($(since "$t"))"

# --- analysis image --------------------------------------------------------------------------------
t="$(now)"
step "docker build $TAG FROM $BASE_TAG (apt layer ~1.5 min when not cached)"
run_logged docker-build docker build \
  ${VRE_BUILD_NETWORK:+--network "$VRE_BUILD_NETWORK"} \
  --build-arg "BASE_IMAGE=$BASE_TAG" \
  --label "org.opencontainers.image.title=vre-sandbox" \
  --label "vre.sandbox.hash=$HASH" \
  --label "vre.sandbox.base=$BASE_TAG" \
  -t "$TAG" "$CTX"
docker tag "$TAG" "$IMAGE_REPO:latest"
step "built $TAG, tagged $IMAGE_REPO:latest: $(docker image inspect -f '{{.Size}}' "$TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }') ($(since "$t"))"

# --- prune -----------------------------------------------------------------------------------------
if ((PRUNE)); then prune_old; fi
step "done in $(since "$T_ALL")"
