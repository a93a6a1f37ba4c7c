#!/usr/bin/env bash
# Builds sandbox-image/Dockerfile with podman, stage by stage, as Cloud Build does, and prints
# the time of each stage and the image's size.
#
# Usage: sandbox-image/build-image.sh IMAGE_NAME BASE_NAME      (as root, from the repository)
#
# RUN steps use the host's network (they reach the package registries this machine reaches,
# nothing else) and podman's layer cache, so a build with unchanged inputs takes seconds.
set -euo pipefail

image=${1:?usage: build-image.sh IMAGE_NAME BASE_NAME}
base=${2:?usage: build-image.sh IMAGE_NAME BASE_NAME}
build=(podman build --quiet --layers --network=host --pull=never --runtime=runc
  --file=sandbox-image/Dockerfile --build-arg=DEBIAN_IMAGE="$base")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for stage in nsjail rootfs final; do
  started=$SECONDS
  if [[ $stage == final ]]; then target=(--tag="$image"); else target=(--target="$stage"); fi
  if ! "${build[@]}" "${target[@]}" . >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "image: stage $stage failed" >&2
    exit 1
  fi
  echo "image: stage $stage built in $((SECONDS - started)) s"
done
bytes=$(podman image inspect --format '{{.Size}}' "$image")
gzipped=$(podman save "$image" | gzip -1 | wc -c)
echo "image: $image, $((bytes / 1000000)) MB ($((gzipped / 1000000)) MB gzipped)"
