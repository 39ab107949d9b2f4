#!/usr/bin/env bash
# Kodiak vs. fastai on the same data, size, epochs, seed and validation files.
#
#   quality/compare.sh DATA --size S --epochs E --seeds "1 2 3" [--name NAME] [--out DIR] [--skip-fastai] [--build]
#                      [-- extra kodiak train options]
#
# For each seed:
#   1. kodiak train DATA --size S --epochs E --seed N --out OUT/kodiak-NAME-sS-eE-seedN[-oHASH] [extra options]
#      (skipped when that folder already holds a finished run; HASH = first 8 hex of the SHA-256 of the extra
#      options as given, so each set of options has its own folder; no extra options, no suffix);
#   2. the validation files Kodiak used (training.validItems in model.kodiak's kodiak.json) -> that folder's valid.txt;
#   3. fastai_train.py DATA --size S --epochs E --seed N --valid-list valid.txt --threads 2 [--bs/--lr/--freeze-epochs
#      from the extra options] --out OUT/fastai-NAME-sS-eE-seedN[-fHASH] (HASH of the options passed to fastai), skipped
#      when that folder's metrics.json exists and its valid.txt is the same list (a different split, e.g. from
#      --valid-pct, gets its own OUT/fastai-...-vHASH folder, HASH of the list); not run with --skip-fastai;
#   4. a row in OUT/results.tsv (replacing an earlier row with the same name, size, epochs, seed, kodiak_options).
# quality/table.py OUT/results.tsv turns the rows into markdown tables.
#
# Defaults: --name = DATA's folder name; --out = ${QUALITY_DATA:-/tmp/kodiak-quality}/runs. --build rebuilds Kodiak
# (dotnet build -c Release src/Kodiak.Cli) first; without it, it is built only if the Release kodiak.dll is missing.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HERE="$REPO/quality"
PY=/usr/bin/python3
PEER="${KODIAK_PEER:-/work/shared/peer}"
KODIAK_DLL="$REPO/src/Kodiak.Cli/bin/Release/net10.0/kodiak.dll"
FASTAI_THREADS="${FASTAI_THREADS:-2}"

die() { echo "compare: error: $*" >&2; exit 1; }
usage() { sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
short_hash() { printf '%s' "$1" | sha256sum | cut -c1-8; }

DATA="" SIZE="" EPOCHS="" SEEDS="" NAME="" OUT="" SKIP_FASTAI=0 BUILD=0
EXTRA=()
while (($#)); do
    case "$1" in
        --size) SIZE="${2:?--size needs a value}"; shift 2 ;;
        --epochs) EPOCHS="${2:?--epochs needs a value}"; shift 2 ;;
        --seeds) SEEDS="${2:?--seeds needs a value}"; shift 2 ;;
        --name) NAME="${2:?--name needs a value}"; shift 2 ;;
        --out) OUT="${2:?--out needs a value}"; shift 2 ;;
        --skip-fastai) SKIP_FASTAI=1; shift ;;
        --build) BUILD=1; shift ;;
        -h|--help) usage ;;
        --) shift; EXTRA=("$@"); break ;;
        -*) die "unknown option '$1' (Kodiak train options go after '--')" ;;
        *) [[ -z "$DATA" ]] || die "more than one DATA folder: '$DATA' and '$1'"; DATA="$1"; shift ;;
    esac
done
[[ -n "$DATA" ]] || usage
[[ -n "$SIZE" && -n "$EPOCHS" && -n "$SEEDS" ]] || die "--size, --epochs and --seeds are required"
[[ "$SIZE" =~ ^[0-9]+$ ]] || die "--size must be a whole number, got '$SIZE'"
[[ "$EPOCHS" =~ ^[0-9]+$ ]] || die "--epochs must be a whole number, got '$EPOCHS'"
for s in $SEEDS; do [[ "$s" =~ ^[0-9]+$ ]] || die "--seeds must be whole numbers, got '$s'"; done
[[ -n "${SEEDS// /}" ]] || die "--seeds is empty"
[[ -d "$DATA" ]] || die "data folder not found: '$DATA'"
DATA="$(cd "$DATA" && pwd)"
NAME="${NAME:-$(basename "$DATA")}"
[[ "$NAME" =~ ^[A-Za-z0-9._+-]+$ ]] || die "--name may hold only letters, digits and . _ + - (got '$NAME')"
OUT="${OUT:-${QUALITY_DATA:-/tmp/kodiak-quality}/runs}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# The extra options go to Kodiak as they are; fastai gets only the ones it knows, with the same meaning.
FASTAI_OPTS=()
for ((i = 0; i < ${#EXTRA[@]}; i++)); do
    opt="${EXTRA[i]}"
    case "$opt" in
        --size|--size=*|--epochs|--epochs=*|--seed|--seed=*|--out|--out=*)
            die "'$opt' is set by compare.sh itself (use its --size, --epochs, --seeds, --out)" ;;
        --resume|--checkpoint) die "'$opt' makes no sense for a comparison run" ;;
        --bs|--lr|--freeze-epochs)
            ((i + 1 < ${#EXTRA[@]})) || die "'$opt' needs a value"
            FASTAI_OPTS+=("$opt" "${EXTRA[i + 1]}"); i=$((i + 1)) ;;
        --bs=*|--lr=*|--freeze-epochs=*) FASTAI_OPTS+=("${opt%%=*}" "${opt#*=}") ;;
    esac
done
KODIAK_OPTIONS="${EXTRA[*]}"
[[ "$KODIAK_OPTIONS" != *$'\t'* ]] || die "extra options may not contain tabs"
KODIAK_SUFFIX=""; [[ -z "$KODIAK_OPTIONS" ]] || KODIAK_SUFFIX="-o$(short_hash "$KODIAK_OPTIONS")"
FASTAI_SUFFIX=""; ((${#FASTAI_OPTS[@]} == 0)) || FASTAI_SUFFIX="-f$(short_hash "${FASTAI_OPTS[*]}")"

# --- what the runs need
[[ -x "$PY" ]] || die "$PY not found"
[[ -f "$HERE/harness.py" ]] || die "helper not found: '$HERE/harness.py'"
if ((!SKIP_FASTAI)); then
    [[ -f "$PEER/fastai_train.py" ]] || die "fastai peer not found: '$PEER/fastai_train.py' (set KODIAK_PEER)"
fi
command -v dotnet >/dev/null || die "dotnet not found on PATH"
if ((BUILD)) || [[ ! -f "$KODIAK_DLL" ]]; then
    command -v patchelf >/dev/null || die "patchelf not found (the Kodiak build needs it): apt-get install -y patchelf"
    echo "== building Kodiak (Release)"
    (cd "$REPO" && dotnet build -c Release src/Kodiak.Cli -v quiet -nologo)
    [[ -f "$KODIAK_DLL" ]] || die "build finished but '$KODIAK_DLL' is missing"
elif [[ -n "$(find "$REPO/src" -name '*.cs' -newer "$KODIAK_DLL" -print -quit)" ]]; then
    echo "compare: warning: sources are newer than $KODIAK_DLL; pass --build to rebuild it" >&2
fi

fastai_note="fastai options: ${FASTAI_OPTS[*]:-(none)}"; ((!SKIP_FASTAI)) || fastai_note="fastai skipped (cached runs still used)"
echo "== $NAME: $DATA, size $SIZE, epochs $EPOCHS, seeds $SEEDS; kodiak options: ${KODIAK_OPTIONS:-(none)}; $fastai_note"
echo "   out: $OUT"

for SEED in $SEEDS; do
    KDIR="$OUT/kodiak-$NAME-s$SIZE-e$EPOCHS-seed$SEED$KODIAK_SUFFIX"
    if "$PY" "$HERE/harness.py" kodiak-done "$KDIR"; then
        "$PY" "$HERE/harness.py" check-data "$KDIR/model.kodiak" "$DATA"
        echo "-- seed $SEED: Kodiak run cached ($KDIR)"
    else
        echo "-- seed $SEED: kodiak train -> $KDIR"
        mkdir -p "$KDIR"
        printf '%s\n' "$KODIAK_OPTIONS" > "$KDIR/options.txt"
        start=$SECONDS
        (cd "$REPO" && dotnet "$KODIAK_DLL" train "$DATA" --size "$SIZE" --epochs "$EPOCHS" --seed "$SEED" --out "$KDIR" \
            ${EXTRA[@]+"${EXTRA[@]}"}) 2>&1 | tee "$KDIR/train.log"
        echo "   kodiak wall time $((SECONDS - start)) s"
        "$PY" "$HERE/harness.py" kodiak-done "$KDIR" \
            || die "Kodiak did not finish a run in '$KDIR' (no model.kodiak / report/metrics.json, or interrupted); see $KDIR/train.log"
    fi
    n_valid=$("$PY" "$HERE/harness.py" valid-list "$KDIR/model.kodiak" "$KDIR/valid.txt")
    echo "   $n_valid validation files -> $KDIR/valid.txt"

    FDIR=""
    base="$OUT/fastai-$NAME-s$SIZE-e$EPOCHS-seed$SEED$FASTAI_SUFFIX"
    for candidate in "$base" "$base-v$(short_hash "$(cat "$KDIR/valid.txt")")"; do
        if [[ -f "$candidate/metrics.json" ]]; then
            if "$PY" "$HERE/harness.py" same-list "$candidate/valid.txt" "$KDIR/valid.txt" 2>/dev/null; then
                "$PY" "$HERE/harness.py" check-data "$candidate/metrics.json" "$DATA"
                FDIR="$candidate"; echo "   fastai run cached ($FDIR)"; break
            fi
            continue        # a cached run on another split: try the split-keyed folder
        fi
        if ((SKIP_FASTAI)); then break; fi
        FDIR="$candidate"
        echo "-- seed $SEED: fastai_train.py -> $FDIR"
        mkdir -p "$FDIR"
        start=$SECONDS
        (cd "$REPO" && "$PY" "$PEER/fastai_train.py" "$DATA" --size "$SIZE" --epochs "$EPOCHS" --seed "$SEED" \
            --valid-list "$KDIR/valid.txt" --threads "$FASTAI_THREADS" --out "$FDIR" \
            ${FASTAI_OPTS[@]+"${FASTAI_OPTS[@]}"}) 2>&1 | tee "$FDIR/train.log"
        echo "   fastai wall time $((SECONDS - start)) s"
        [[ -f "$FDIR/metrics.json" ]] || die "fastai wrote no '$FDIR/metrics.json'; see $FDIR/train.log"
        "$PY" "$HERE/harness.py" same-list "$FDIR/valid.txt" "$KDIR/valid.txt" \
            || die "fastai's validation files ('$FDIR/valid.txt') are not Kodiak's ('$KDIR/valid.txt')"
        echo "   fastai's valid.txt = Kodiak's list ($n_valid files)"
        break
    done
    if [[ -z "$FDIR" ]] && ((!SKIP_FASTAI)); then
        die "no fastai folder could be used for seed $SEED (both '$base' and its -v variant hold another split)"
    fi

    "$PY" "$HERE/harness.py" row "$OUT/results.tsv" name="$NAME" size="$SIZE" epochs="$EPOCHS" seed="$SEED" \
        kodiak_options="$KODIAK_OPTIONS" kodiak_dir="$KDIR" fastai_dir="$FDIR"
done
echo "== results: $OUT/results.tsv  (tables: $PY $HERE/table.py $OUT/results.tsv)"
