#!/bin/sh
# Make the benchmark image set (real photographs, see make_imageset.py).
# Usage: bench/make_imageset.sh OUTDIR [--count N] [--seed S]
# Installs the Debian packages it needs (mate-backgrounds, python3-pil) if missing.
set -e

if [ $# -lt 1 ]; then
    echo "usage: $0 OUTDIR [--count N] [--seed S]" >&2
    exit 2
fi

missing=""
for pkg in mate-backgrounds python3-pil; do
    if ! dpkg -s "$pkg" >/dev/null 2>&1; then
        missing="$missing $pkg"
    fi
done
if [ -n "$missing" ]; then
    echo "make_imageset: installing missing Debian packages:$missing" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends $missing
fi

# Debian's python3 (which has python3-pil), not a pyenv/venv python3 on PATH.
exec /usr/bin/python3 "$(dirname "$0")/make_imageset.py" "$@"
