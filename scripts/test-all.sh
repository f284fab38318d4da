#!/usr/bin/env bash
# `make test-all`: the whole suite on each supported Python this machine has, each in its
# own virtual environment (.venv-3.X), the way `make test` does it for one.
# An interpreter is looked for on PATH (python3.X), then among pyenv's versions; one that
# is absent is skipped and said so. Exits non-zero if any run failed or none could run.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

find_python() {
    local version=$1 candidate
    # A pyenv shim exists for every installed version but runs only the selected ones,
    # so each candidate is tried, not just looked up.
    for candidate in "$(command -v "python$version" 2>/dev/null)" \
        "$(pyenv root 2>/dev/null)"/versions/"$version".*/bin/"python$version" \
        "$HOME"/.pyenv/versions/"$version".*/bin/"python$version"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] &&
            "$candidate" -c 'import sys, venv' >/dev/null 2>&1; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

summary=()
failed=0
ran=0
for version in "$@"; do
    if ! python=$(find_python "$version"); then
        summary+=("Python $version: skipped (no interpreter found on PATH or under pyenv)")
        continue
    fi
    echo "=== Python $version ($python) ==="
    log=$(mktemp)
    start=$SECONDS
    make --no-print-directory test-suite VENV=".venv-$version" PYTHON="$python" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    elapsed=$((SECONDS - start))
    result=$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$log" | tail -1 | tr -d '=')
    rm -f "$log"
    ran=$((ran + 1))
    if [ "$status" -ne 0 ]; then
        failed=1
        summary+=("Python $version: FAILED (exit $status, ${elapsed} s with install):${result}")
    else
        summary+=("Python $version: ${result# } (${elapsed} s with install)")
    fi
done

echo "=== test-all ==="
printf '%s\n' "${summary[@]}"
if [ "$ran" -eq 0 ]; then
    echo "no supported Python found" >&2
    exit 1
fi
exit "$failed"
