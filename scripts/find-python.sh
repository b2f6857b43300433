#!/usr/bin/env sh
# Print the path of a Python >= 3.12 found on this machine (PATH first, then pyenv), or fail.
# Why: mesa 3.5 needs 3.12+, and machines here default to 3.11 with newer versions under pyenv.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for name in "${PYTHON:-}" python3.12 python3.13 python3; do
    [ -n "$name" ] || continue
    p=$(command -v "$name" 2>/dev/null) || continue
    if ok "$p"; then echo "$p"; exit 0; fi
done
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
for p in $(ls -d "$root"/versions/3.12*/bin/python "$root"/versions/3.1[3-9]*/bin/python 2>/dev/null); do
    if ok "$p"; then echo "$p"; exit 0; fi
done
echo "error: no Python >= 3.12 found on PATH or under pyenv ($root); install one or set PYTHON=/path/to/python3.12" >&2
exit 1
