#!/bin/sh
# Makes a virtualenv with the function's locked requirements (requirements.txt beside this
# script: every package pinned, with hashes). `make run` and the image's final stage both use it.
#
# Usage: function/install.sh VENV
set -eu
venv=${1:?usage: install.sh VENV}
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --no-cache-dir --require-hashes \
  -r "$(dirname "$0")/requirements.txt"
