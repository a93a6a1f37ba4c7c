#!/bin/sh
# Serves the function with functions-framework: the one command behind `make run` and the
# image's CMD. functions-framework serves with gunicorn threads; there are as many as the
# sandbox has execution slots and wait-queue places, and two to spare so that /healthz and
# 429 answers never wait behind executions (api/service.py).
set -eu
slots=${PYEXEC_SLOTS:-$(nproc)}
queue=${PYEXEC_QUEUE:-$slots}
export THREADS="${THREADS:-$((slots + queue + 2))}"
exec functions-framework --target execute --source "$(dirname "$0")/main.py" \
  --port "${PORT:-8080}" "$@"
