#!/bin/sh
# Side-by-side PPRL benchmark: the anchor (Python clkhash + anonlink) and ours, on the same
# generated files, scored by the same script.
#
#   bench/linkage/run.sh BASELINE_DIR [WORK_DIR] [SIZES]
#
# BASELINE_DIR: the PPRL baseline scripts (gen.py, measure.py, requirements.txt).
# WORK_DIR: scratch space outside the repository (default: a new mktemp -d); it receives
#   the virtualenv, the data and the results. SIZES: default "10000 100000".
# SKIP_ANCHOR=1 skips the anchor (its 100k run takes 6-15 minutes on one core).
set -eu
[ $# -ge 1 ] || { sed -n '2,12p' "$0"; exit 2; }
BASE=$(cd "$1" && pwd)
WORK=${2:-$(mktemp -d)}
SIZES=${3:-"10000 100000"}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
mkdir -p "$WORK"
echo "work directory: $WORK"

if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q -r "$BASE/requirements.txt"
fi
PY="$WORK/venv/bin/python"

(cd "$REPO" && cargo build --release --locked -p passerelle-linkage --example link)
LINK="${CARGO_TARGET_DIR:-$REPO/target}/release/examples/link"
NPROC=$(nproc 2>/dev/null || echo 1)

for n in $SIZES; do
    d="$WORK/data-$n"
    [ -f "$d/truth.csv" ] || "$PY" "$BASE/gen.py" --n-a "$n" --n-b "$n" --out-dir "$d"
    for t in 1 "$NPROC"; do
        "$LINK" --a "$d/a.csv" --b "$d/b.csv" --out "$WORK/links-$n-t$t.csv" --threads "$t" 2> "$WORK/ours-$n-t$t.json"
        echo "ours  n=$n threads=$t: $(tail -n 1 "$WORK/ours-$n-t$t.json")"
        "$PY" "$HERE/score.py" "$WORK/links-$n-t$t.csv" "$d/truth.csv"
    done
    if [ "${SKIP_ANCHOR:-0}" != 1 ]; then
        if [ "$n" -ge 50000 ]; then ths=0.75,0.8,0.85,0.9,0.95; else ths=0.6,0.65,0.7,0.75,0.8,0.85,0.9,0.95; fi
        "$PY" "$BASE/measure.py" --data "$d" --thresholds "$ths" --out "$WORK/anchor-$n.json" | grep -v '^{'
    fi
done
