#!/usr/bin/env bash
# Base root filesystem of the sandbox image: Debian 12 (bookworm) minbase, made with debootstrap.
#
#   mkrootfs.sh TARGET_DIR [MIRROR]
#
# Called (as root) by scripts/build-sandbox-image.sh, which tars TARGET_DIR into `docker import`.
# The image tag vre-base:<hash> is a hash of this folder (sandbox-images/base/): change anything
# here and the base is rebuilt. The mirror is not part of the hash (same packages from any mirror).
set -euo pipefail

TARGET="${1:?usage: mkrootfs.sh TARGET_DIR [MIRROR]}"
MIRROR="${2:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
SUITE=bookworm

debootstrap --variant=minbase --arch=amd64 "$SUITE" "$TARGET" "$MIRROR" >&2

# apt sources: main + updates + security (deb822)
rm -f "$TARGET/etc/apt/sources.list"
cat >"$TARGET/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: ${MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${SECURITY_MIRROR}
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# Keep images small: no recommends, no docs/man/locales, no package caches left behind.
cat >"$TARGET/etc/apt/apt.conf.d/90vre-small" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Acquire::GzipIndexes "true";
Acquire::CompressionTypes::Order:: "gz";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
cat >"$TARGET/etc/dpkg/dpkg.cfg.d/90vre-excludes" <<'CONF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CONF
# Same exclusions applied to what debootstrap already unpacked.
find "$TARGET/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$TARGET/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$TARGET"/usr/share/{man,info,groff,lintian,linda}/* 2>/dev/null || true
find "$TARGET/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true

# Leftovers of the bootstrap that must not end up in the image.
rm -rf "$TARGET"/var/lib/apt/lists/* "$TARGET"/var/cache/apt/* "$TARGET"/var/cache/debconf/*-old \
       "$TARGET"/tmp/*  "$TARGET"/var/tmp/* "$TARGET"/debootstrap
find "$TARGET/var/log" -type f -delete
: >"$TARGET/etc/machine-id" 2>/dev/null || true
echo "sandbox" >"$TARGET/etc/hostname"
