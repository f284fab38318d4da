#!/usr/bin/env bash
# `scripts/without-python.sh COMMAND [ARG...]`: run COMMAND where no Python can be found,
# to show that the bundle needs none (tests/packaging/test_bundle.py, docs/install.md).
# In a private mount namespace every Python interpreter, standard library and virtual
# environment of this machine is covered by an empty folder (a file by /dev/null), then the
# script checks that `python3` no longer runs. Needs root or unprivileged user namespaces;
# exits 77 (and says why) where neither works.
set -euo pipefail

if [ "${1:-}" != "--inside" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        unshare_args=(--mount --propagation private)
    else
        unshare_args=(--mount --propagation private --map-root-user)
    fi
    if ! unshare "${unshare_args[@]}" true 2>/dev/null; then
        echo "without-python: cannot make a mount namespace here (needs root or user namespaces)" >&2
        exit 77
    fi
    exec unshare "${unshare_args[@]}" "$0" --inside "$@"
fi
shift

here=$(cd "$(dirname "$0")/.." && pwd)
hide() {
    local path
    for path in "$@"; do
        if [ -d "$path" ] && [ ! -L "$path" ]; then
            mount -t tmpfs -o ro,size=1k none "$path"
        elif [ -f "$path" ] && [ ! -L "$path" ]; then
            mount --bind /dev/null "$path"
        fi
    done
}
shopt -s nullglob
hide /usr/lib/python3* /usr/local/lib/python3* /usr/lib64/python3* \
    /usr/bin/python* /usr/local/bin/python* /opt/python* "${PYENV_ROOT:-$HOME/.pyenv}" \
    "$here"/.venv* "${VIRTUAL_ENV:-/nonexistent}"
shopt -u nullglob

if python3 -c 'print("python still runs")' 2>/dev/null || python -c '' 2>/dev/null; then
    echo "without-python: a Python interpreter is still reachable: $(command -v python3 python)" >&2
    exit 1
fi
exec "$@"
