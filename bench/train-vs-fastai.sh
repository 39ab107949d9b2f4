#!/usr/bin/env bash
# Kodiak (bf16 and fp32, seeds 1-3) against the fastai peer on the same validation list, one after the other,
# at 224 px / 4 epochs and 128 px / 2 epochs. Times are wall time of each whole command (start to exit).
# Run from the repository root on an otherwise idle machine: bash bench/train-vs-fastai.sh [DATA] [SIZES]
#   DATA   default ../shared/data/clipart3
#   SIZES  default "224:4 128:2" (size:epochs pairs)
set -euo pipefail
DATA=$(realpath "${1:-../shared/data/clipart3}")
SIZES=${2:-"224:4 128:2"}
PEER=$(realpath ../shared/peer)
OUT=$(mktemp -d "${TMPDIR:-/tmp}/kodiak-vs-fastai.XXXXXX")
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "fastai peer missing: run bash ../shared/peer/setup.sh" >&2; exit 1; }
dotnet build -c Release src/Kodiak.Cli >/dev/null
KODIAK=$(realpath src/Kodiak.Cli/bin/Release/net10.0/kodiak)
json() { /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
# timed LOG COMMAND...: runs COMMAND with its output in LOG, prints its wall seconds.
timed() { local log=$1 start end; shift; start=$(date +%s.%N); "$@" >"$log" 2>&1; end=$(date +%s.%N); echo "$end - $start" | bc; }
rows=()
for pair in $SIZES; do
  size=${pair%%:*}; epochs=${pair##*:}
  for precision in bf16 fp32; do
    for seed in 1 2 3; do
      run="$OUT/kodiak-$size-$precision-$seed"
      secs=$(timed "$run.log" "$KODIAK" train "$DATA" --size "$size" --epochs "$epochs" --seed "$seed" --precision "$precision" --out "$run")
      err=$(json "$run/report/metrics.json" error_rate)
      rows+=("$size kodiak-$precision $seed $secs $err")
      echo "size $size kodiak $precision seed $seed: ${secs}s error $err" >&2
    done
  done
  # The peer validates on the split Kodiak's seed-1 bf16 run recorded in its bundle.
  valid="$OUT/valid-$size.txt"
  /usr/bin/python3 -c "import json,sys,zipfile; print('\n'.join(json.load(zipfile.ZipFile(sys.argv[1]).open('kodiak.json'))['training']['validItems']))" \
    "$OUT/kodiak-$size-bf16-1/model.kodiak" >"$valid"
  run="$OUT/fastai-$size"
  secs=$(timed "$run.log" /usr/bin/python3 "$PEER/fastai_train.py" "$DATA" --size "$size" --epochs "$epochs" --valid-list "$valid" --out "$run")
  err=$(json "$run/metrics.json" error_rate)
  rows+=("$size fastai - $secs $err")
  echo "size $size fastai: ${secs}s error $err" >&2
done
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c '
import sys, statistics as st
rows = [l.split() for l in sys.stdin if l.strip()]
print(f"{\"size\":>5} {\"run\":<13} {\"seed\":>4} {\"wall s\":>8} {\"error\":>7}")
for size, run, seed, secs, err in rows: print(f"{size:>5} {run:<13} {seed:>4} {float(secs):8.1f} {float(err):7.4f}")
for size in dict.fromkeys(r[0] for r in rows):
    sel = lambda name: [r for r in rows if r[0] == size and r[1] == name]
    fastai = sel("fastai")[0]
    for name in ("kodiak-bf16", "kodiak-fp32"):
        rs = sel(name)
        t, e = st.mean(float(r[3]) for r in rs), st.mean(float(r[4]) for r in rs)
        print(f"{size} px {name}: mean wall {t:.1f} s, mean error {e:.4f}, time / fastai {t / float(fastai[3]):.3f}")
    print(f"{size} px fastai: wall {float(fastai[3]):.1f} s, error {float(fastai[4]):.4f}")
'
echo "logs and outputs: $OUT" >&2
