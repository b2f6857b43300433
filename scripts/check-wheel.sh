#!/usr/bin/env bash
# Build the wheel, install it into a fresh venv outside the checkout, and use it as a user would:
# hmt-sim --version, hmt-sim list (every bundled scenario), hmt-sim run airbase_swarm.
# Why: an editable install finds files through the checkout and hides packaging mistakes (the
# bundled scenarios once did not ship at all). Dependencies come from the package registry as
# pip resolves them. Any failure exits non-zero; .ci/run runs this after `make test`.
# Usage: bash scripts/check-wheel.sh   (KEEP=1 keeps the temporary folder for a look afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=$(sh scripts/find-python.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/hmt-sim-wheel.XXXXXX")
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "keeping $work"; fi

step_start=$SECONDS
step() {  # print how long the previous step took, then announce the next one
    [ -z "${step_name:-}" ] || echo "  ${step_name}: $((SECONDS - step_start)) s"
    step_name=$1
    step_start=$SECONDS
}
fail() { echo "check-wheel: error: $*" >&2; exit 1; }

step "copy the sources (tracked and new files, not ignored ones; no stale build/)"
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
done | tar --null -T - -cf - | { mkdir "$work/src" && tar -xf - -C "$work/src"; }

step "build the wheel"
"$python" -m venv "$work/venv"
# -qq: errors only (this machine's pip configuration warns about every missing local index page)
pip=("$work/venv/bin/python" -m pip -qq)
"${pip[@]}" install --upgrade pip
"${pip[@]}" wheel --no-deps -w "$work/dist" "$work/src"
wheel=$(ls "$work"/dist/hmt_sim-*.whl)
echo "  built $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB)"

step "install the wheel and its dependencies into a fresh venv"
"${pip[@]}" install "$wheel"

step "use it from another directory"
mkdir "$work/elsewhere"
cd "$work/elsewhere"
unset HMT_SIM_SCENARIOS PYTHONPATH
export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy MPLBACKEND=Agg
hmt="$work/venv/bin/hmt-sim"
where=$("$work/venv/bin/python" -c 'import hmt_sim; print(hmt_sim.__file__)')
case "$where" in "$work/venv/"*) ;; *) fail "hmt_sim imported from $where, not the venv";; esac

expected=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/hmt_sim/__init__.py")
got=$("$hmt" --version)
[ "$got" = "hmt-sim $expected" ] || fail "hmt-sim --version printed '$got', expected 'hmt-sim $expected'"
echo "  $got"

"$hmt" list > list.txt || fail "hmt-sim list failed"
n_bundled=0
for f in "$root"/hmt_sim/bundled/*.yaml; do
    id=$(basename "$f" .yaml)
    n_bundled=$((n_bundled + 1))
    grep -q "^$id " list.txt || fail "hmt-sim list does not show $id: $(cat list.txt)"
done
grep -q "cannot be loaded" list.txt && fail "a bundled scenario does not load: $(cat list.txt)"
[ "$(wc -l < list.txt)" -eq "$n_bundled" ] || fail "hmt-sim list shows $(wc -l < list.txt) lines, expected $n_bundled"
echo "  hmt-sim list: all $n_bundled bundled scenarios"

"$hmt" run airbase_swarm --out run > run.txt || fail "hmt-sim run airbase_swarm failed: $(cat run.txt)"
grep -q "meaningful_review_rate" run.txt || fail "hmt-sim run printed no metrics: $(cat run.txt)"
for f in events.jsonl metrics.json timeseries.csv run.json; do
    [ -s "run/$f" ] || fail "hmt-sim run --out wrote no run/$f"
done
echo "  hmt-sim run airbase_swarm: ok ($(wc -l < run/events.jsonl) events)"

# The Dutch catalog, the handout and the seat pages are package data: use each once.
"$hmt" report run -o report-nl.html --lang nl > report.txt \
    || fail "hmt-sim report --lang nl failed: $(cat report.txt)"
grep -q '<html lang="nl"' report-nl.html || fail "the Dutch report is not marked lang=nl"
grep -q 'Escalatie' report-nl.html || fail "the Dutch report is not in Dutch"
"$hmt" handout airbase_swarm -o handout.html --lang nl > handout.txt \
    || fail "hmt-sim handout failed: $(cat handout.txt)"
echo "  hmt-sim report --lang nl, hmt-sim handout: ok"

"$hmt" serve airbase_swarm --seats 1 --port 0 --no-qr --session room.jsonl > serve.txt 2>&1 &
serve_pid=$!
for _ in $(seq 60); do [ -s room.room.json ] && grep -q http serve.txt && break; sleep 0.5; done
"$work/venv/bin/python" - <<'PY' || { kill "$serve_pid"; fail "the seat page was not served: $(cat serve.txt)"; }
import json, urllib.request
room = json.load(open("room.room.json"))
base = f"http://127.0.0.1:{room['port']}"
page = urllib.request.urlopen(f"{base}/seat/1?t={room['seats']['1']}", timeout=10).read()
assert b"room.js" in page, page[:200]
script = urllib.request.urlopen(f"{base}/static/room.js", timeout=10).read()
assert len(script) > 1000, len(script)
PY
kill -TERM "$serve_pid"; wait "$serve_pid" || true  # TERM: a background job ignores INT
echo "  hmt-sim serve: the seat page and its script served from the wheel"
step ""
echo "check-wheel: ok"
