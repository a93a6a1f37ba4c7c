#!/usr/bin/env bash
# Makes the Debian bookworm base image the Dockerfile builds from, when podman has none of
# that name: machines that cannot pull images (ours) build it with debootstrap instead.
#
# Usage: sandbox-image/make-base.sh IMAGE_NAME      (as root)
#
# The image is Debian bookworm as the official debian:bookworm-slim is: minbase, the same
# three suites (bookworm, bookworm-updates, bookworm-security) from the mirrors this machine's
# apt uses, no documentation. It also trusts this machine's own CA certificates
# (/usr/local/share/ca-certificates), which a build needs to reach the package registries
# through this machine's egress proxy: such an image is for local builds only and is never
# pushed anywhere. Cloud Build pulls the official image instead (cloudbuild.yaml).
set -euo pipefail

name=${1:?usage: make-base.sh IMAGE_NAME}
if podman image exists "$name"; then
  echo "base: $name is there"
  exit 0
fi
[[ $(id -u) == 0 ]] || { echo "base: must run as root (debootstrap)" >&2; exit 1; }

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
  || true)
mirror=${mirror:-http://deb.debian.org/debian}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

echo "base: debootstrap bookworm from $mirror"
started=$SECONDS
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" \
  >"$work/debootstrap.log" || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
fi
# As the official slim image: no documentation, and apt keeps no packages or lists.
rm -rf "$root"/usr/share/{doc,man,info}/* "$root"/var/cache/apt/*.bin \
  "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" --numeric-owner -c . | podman import --quiet \
  --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$name" >/dev/null
echo "base: made $name in $((SECONDS - started)) s (local builds only; never push it)"
