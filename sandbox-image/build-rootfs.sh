#!/usr/bin/env bash
# Builds the root filesystem every jail runs in: Debian bookworm's Python 3.11 with the
# hash-pinned packages of requirements.txt, and nothing else.
#
# Usage: sandbox-image/build-rootfs.sh OUT_DIR      (as root: chroot needs it)
#
# How: download Debian bookworm's python3.11 and every package it depends on with apt (the
# sources this machine already uses, security updates included) and unpack them into a staging
# tree, with no maintainer script run and no mount needed, so it works unchanged inside an
# unprivileged `docker build`. Install the wheels there, precompile all bytecode with the
# jail's own interpreter, then copy into OUT_DIR only what is on an allowlist: the interpreter,
# the standard library, the packages, and the shared libraries their ELF files need (as ldd
# resolves them). A copy-in allowlist rather than deleting from a full system means a shell, a
# package manager, setuid binaries or compilers cannot be left in by mistake; the checks at the
# end prove it anyway. One file is built here rather than copied: sigsys.so (sigsys.c, compiled
# with this machine's gcc and kernel headers), which /etc/ld.so.preload loads into every program
# of the jail to name the system call the seccomp policy refused.
#
# The build is skipped when OUT_DIR was built from the same inputs (OUT_DIR.stamp, beside it:
# nothing in the rootfs tells the jail how it was built but MANIFEST).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-rootfs.sh OUT_DIR}
python=python3.11
# What the staging tree needs: the interpreter and its standard library; bash and libc-bin
# only for ldd, which resolves the libraries to copy (neither reaches the rootfs).
packages=("$python-minimal" "lib$python-stdlib" libstdc++6 bash libc-bin)
# Standard library parts a script has no use for in a jail: tests, GUIs, installers, IDLE.
stdlib_excluded=(test idlelib tkinter turtledemo turtle.py ensurepip lib2to3 pydoc_data
  distutils/tests unittest/test ctypes/test sqlite3/test config-3.11-x86_64-linux-gnu)

stamp=$(cat "$here/requirements.txt" "$here/sigsys.c" "$0" | sha256sum | cut -c1-64)
if [[ -d $out && -f $out.stamp && "$(cat "$out.stamp")" == "$stamp" ]]; then
  echo "rootfs: up to date ($out)"
  exit 0
fi
[[ $(id -u) == 0 ]] || { echo "rootfs: must run as root (chroot)" >&2; exit 1; }

work=$(mktemp -d)
trap '[[ -n ${KEEP_WORK:-} ]] || rm -rf "$work"' EXIT
stage=$work/stage
new=$work/rootfs

echo "rootfs: downloading ${packages[*]} and their dependencies (apt)"
# Whether apt can download, not whether it knows the package: an installed package is known
# with no package lists (a container image's apt, whose lists were deleted).
if ! apt-get download --print-uris "$python-minimal" 2>/dev/null | grep -q "^'"; then
  apt-get update -qq
fi
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances "${packages[@]}" | grep '^[a-z0-9]' | sort -u)
mkdir -p "$work/debs" "$stage"/usr/{bin,lib,lib64,sbin}
for link in bin lib lib64 sbin; do  # merged /usr, as bookworm installs it
  ln -s "usr/$link" "$stage/$link"
done
# shellcheck disable=SC2086  # one package name per word
(cd "$work/debs" && apt-get download -qq $closure)
for deb in "$work"/debs/*.deb; do
  dpkg-deb --fsys-tarfile "$deb" | tar -x --keep-directory-symlink -C "$stage"
done

echo "rootfs: installing wheels (hash-pinned)"
site=/usr/lib/python3/dist-packages
# --target never touches the builder's own Python, so PEP 668's guard does not apply.
PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --quiet --no-deps --require-hashes \
  --only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 --platform manylinux_2_28_x86_64 \
  --no-compile --target "$stage$site" -r "$here/requirements.txt"
rm -rf "$stage$site/bin"
find "$stage$site" -depth -type d -name tests -exec rm -rf {} +
for excluded in "${stdlib_excluded[@]}"; do
  rm -rf "$stage/usr/lib/$python/$excluded"
done

echo "rootfs: precompiling bytecode"
# unchecked-hash: the tree is read-only, so never stat the source to validate a .pyc.
find "$stage/usr/lib/$python" "$stage$site" -name __pycache__ -prune -exec rm -rf {} +
chroot "$stage" "/usr/bin/$python" -m compileall -q -j 1 --invalidation-mode unchecked-hash \
  "/usr/lib/$python" "$site" >/dev/null

echo "rootfs: assembling $new"
copy() {  # copy a path from the staging tree, with its parent folders and symlink targets
  local path=$1 dir
  while :; do
    # Resolve the folder through the staging tree's own symlinks (/lib64 -> usr/lib64, ...).
    dir=$(cd "$stage$(dirname "$path")" && pwd -P)
    [[ $dir == "$stage"/* ]] || { echo "rootfs: $path leaves the staging tree" >&2; exit 1; }
    path=${dir#"$stage"}/$(basename "$path")
    mkdir -p "$new${dir#"$stage"}"
    cp -a --no-dereference "$stage$path" "$new$path"
    [[ -L $stage$path ]] || break
    local target
    target=$(readlink "$stage$path")
    [[ $target == /* ]] || target=$(dirname "$path")/$target
    path=$(realpath -m -s "$target")
  done
}
mkdir -p "$new"
for link in bin lib lib64 sbin; do  # merged /usr, as in bookworm
  [[ -L $stage/$link ]] && cp -a "$stage/$link" "$new/$link"
done
copy "/usr/bin/$python"
ln -s "$python" "$new/usr/bin/python3"
mkdir -p "$new/usr/lib/python3"
cp -a "$stage/usr/lib/$python" "$new/usr/lib/"
cp -a "$stage$site" "$new$site"

# Every shared library the interpreter, the extension modules and the wheels' bundled libraries
# need, as the dynamic linker of the staging tree resolves them.
{
  echo "/usr/bin/$python"
  (cd "$new" && find usr/lib -type f -name '*.so*' -printf '/%p\n')
} | while read -r elf; do
  chroot "$stage" /usr/bin/ldd "$elf" 2>/dev/null | grep -o '/[^ ]*' || true
done | sort -u | while read -r lib; do
  [[ -e $new$lib ]] || copy "$lib"
done

echo "rootfs: compiling sigsys.so"
# The system calls' names by number, from the kernel headers, for sigsys.c to include: the jail
# has no headers to look a number up in.
names() {  # ARRAY HEADER
  echo "static const char $1[][NAME_BYTES] = {"
  printf '#include <%s>\n' "$2" | gcc -dM -E - \
    | sed -nE 's/^#define __NR_([a-z0-9_]+) (\(__X32_SYSCALL_BIT \+ )?([0-9]+)\)?$/  [\3] = "\1",/p'
  echo "};"
}
{ names x86_64_names asm/unistd_64.h; names x32_names asm/unistd_x32.h; } >"$work/sigsys-names.h"
grep -q '"kexec_load"' "$work/sigsys-names.h" \
  || { echo "rootfs: no system call names in the kernel headers" >&2; exit 1; }
# -Werror: a name longer than NAME_BYTES would otherwise only warn.
gcc -O2 -s -shared -fPIC -Wall -Wextra -Werror -I "$work" -o "$work/sigsys.so" "$here/sigsys.c"
mkdir -p "$new/usr/lib/pyexec" "$new/etc"
install -m 0644 "$work/sigsys.so" "$new/usr/lib/pyexec/sigsys.so"
# ld.so.preload, not LD_PRELOAD: the jail's environment is cleared, and a file of the read-only
# root applies to every program, the script's subprocesses included, whatever their environment.
echo /usr/lib/pyexec/sigsys.so >"$new/etc/ld.so.preload"

# Only the accounts the jail runs as, so that getpwuid() finds a name: nobody, as the
# namespaces profile's jails are inside their user namespace, and the uids the gvisor
# profile's jails run as (sandbox/uids.py's range, which Debian leaves to local use), under
# the same name, so that getpass.getuser() and pwd answer alike in both profiles.
mkdir -p "$new/etc" "$new/dev" "$new/proc" "$new/tmp"
# /dev stays empty: the namespaces profile mounts a tmpfs there with three host devices and a
# /dev/shm; the gvisor profile's sandbox makes them in the rootfs at start-up
# (function/sandbox/devices.py: gVisor opens no device node from an image's files).
{
  printf 'root:x:0:0:root:/root:/nonexistent\nnobody:x:65534:65534:nobody:/tmp:/nonexistent\n'
  for id in $(seq 65000 65533); do printf 'nobody:x:%d:%d:nobody:/tmp:/nonexistent\n' "$id" "$id"; done
} >"$new/etc/passwd"
{
  printf 'root:x:0:\nnogroup:x:65534:\n'
  for id in $(seq 65000 65533); do printf 'nogroup:x:%d:\n' "$id"; done
} >"$new/etc/group"
echo /usr/lib/x86_64-linux-gnu >"$new/etc/ld.so.conf"
ldconfig -r "$new"
chown -R root:root "$new"
chmod -R go-w "$new"
# /tmp: a mount point for the namespaces profile's tmpfs. In the gvisor profile each
# execution gets a private folder inside it, so the folder itself must be neither writable
# nor listable by the jail's uids (traversable only).
chmod 0711 "$new/tmp"

echo "rootfs: checking"
problems=$(find "$new" \( -perm /6000 -o -name 'sh' -o -name 'bash' -o -name 'dash' \
  -o -name 'apt*' -o -name 'dpkg*' -o -name 'gcc*' -o -name 'cc' -o -name 'ld' -o -name 'pip' \
  -o -name 'pip3*' \) -print)
if [[ -n $problems ]]; then
  echo "rootfs: refusing to ship these:" >&2
  echo "$problems" >&2
  exit 1
fi
chroot "$new" "/usr/bin/$python" -I -c 'import numpy, pandas, json, ssl, sqlite3, zoneinfo' \
  || { echo "rootfs: the interpreter or its packages do not import" >&2; exit 1; }
# Python reports a handler it did not install itself as None: sigsys.so's, loaded by the preload.
chroot "$new" "/usr/bin/$python" -I -c \
  'import signal, sys; sys.exit(signal.getsignal(signal.SIGSYS) is not None)' \
  || { echo "rootfs: sigsys.so is not loaded into the interpreter" >&2; exit 1; }

{
  echo "# pyexec sandbox rootfs (Debian bookworm, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  for deb in "$work"/debs/*.deb; do
    case $(basename "$deb") in
      "$python"*|"lib$python"*|libc6_*|libstdc++6_*|libssl3_*|libffi8_*)
        dpkg-deb --show --showformat='${Package} ${Version}\n' "$deb" ;;
    esac
  done
  sed -n 's/^\([A-Za-z0-9_.-]*==[^ ]*\).*/\1/p' "$here/requirements.txt"
} >"$new/MANIFEST"

rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$new" "$out"
echo "$stamp" >"$out.stamp"
cat "$out/MANIFEST"
echo "rootfs: $(du -sh --apparent-size "$out" | cut -f1) apparent, $(du -sh "$out" | cut -f1) on disk, $(find "$out" | wc -l) files ($out)"
