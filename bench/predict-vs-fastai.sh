#!/usr/bin/env bash
# int8 Predictor against fastai's learn.predict, one after the other on the same images and the same machine:
# single-image p50 with decoding included on both sides, and the ratio int8 p50 / fastai p50 (issue 18: ≤ 0.25).
#
#   bench/predict-vs-fastai.sh MODEL.kodiak [IMAGES] [--export FASTAI_EXPORT.pkl] [--runs 200] [--threads 2]
#
# MODEL needs its int8 model (kodiak train --int8, or kodiak export --int8 MODEL). IMAGES defaults to the first
# 200 images of ../shared/data/clipart3 (copied to a temp folder, so both sides time exactly the same files).
# Without --export, fastai's peer trains a learner first on the bundle's data and validation split, 1 epoch at the
# bundle's size: prediction time does not depend on how well a model was trained. Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

model="" images="" export_pkl="" runs=200 threads=2
while (($#)); do
  case "$1" in
    --export) export_pkl=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    -*) echo "predict-vs-fastai: unknown option $1" >&2; exit 2 ;;
    *) if [ -z "$model" ]; then model=$1; elif [ -z "$images" ]; then images=$1; else echo "predict-vs-fastai: unexpected $1" >&2; exit 2; fi; shift ;;
  esac
done
[ -n "$model" ] || { echo "usage: bench/predict-vs-fastai.sh MODEL.kodiak [IMAGES] [--export EXPORT.pkl] [--runs N] [--threads N]" >&2; exit 2; }
[ -f "$model" ] || { echo "predict-vs-fastai: no bundle at '$model'" >&2; exit 1; }
python=/usr/bin/python3
peer=../shared/peer
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The bundle's size, data folder and validation split, from its kodiak.json.
read -r size data < <("$python" - "$model" "$scratch/valid.txt" <<'PY'
import json, sys, zipfile
manifest = json.load(zipfile.ZipFile(sys.argv[1]).open('kodiak.json'))
if 'int8' not in manifest.get('variants', {}):
    sys.exit(f"{sys.argv[1]} has no int8 model: run kodiak export --int8 {sys.argv[1]} first")
open(sys.argv[2], 'w').write('\n'.join(manifest['training'].get('validItems') or []) + '\n')
print(manifest['input']['width'], manifest['training']['dataFolder'])
PY
)

if [ -z "$images" ]; then
  images=$scratch/images
  source_folder=../shared/data/clipart3
  find "$source_folder" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort | head -n 200 | while read -r f; do
    rel=${f#"$source_folder"/}; mkdir -p "$images/$(dirname "$rel")"; cp "$f" "$images/$rel"
  done
fi

if [ -z "$export_pkl" ]; then
  echo "fastai: training a learner to time (1 epoch at ${size} px on $data)…" >&2
  valid_args=()
  [ -s "$scratch/valid.txt" ] && valid_args=(--valid-list "$scratch/valid.txt")
  "$python" "$peer/fastai_train.py" "$data" --size "$size" --epochs 1 --freeze-epochs 0 --threads "$threads" \
    "${valid_args[@]}" --out "$scratch/fastai" >&2
  export_pkl=$scratch/fastai/export.pkl
fi

echo "Kodiak: dotnet run -c Release --project bench/Kodiak.Bench -- predict $model $images --runs $runs --threads $threads" >&2
kodiak_out=$(dotnet run -c Release --project bench/Kodiak.Bench -- predict "$model" "$images" --runs "$runs" --threads "$threads")
echo "$kodiak_out"
int8_p50=$(sed -nE 's/^int8_p50_ms ([0-9.]+)$/\1/p' <<<"$kodiak_out")
[ -n "$int8_p50" ] || { echo "predict-vs-fastai: the Kodiak benchmark printed no int8 p50" >&2; exit 1; }

echo "fastai: $peer/fastai_predict.py $export_pkl $images --threads $threads" >&2
repeat=$(( (runs + $(find "$images" -type f | wc -l) - 1) / $(find "$images" -type f | wc -l) ))
fastai_out=$("$python" "$peer/fastai_predict.py" "$export_pkl" "$images" --repeat "$repeat" --threads "$threads" | tail -n 1)
echo "fastai learn.predict: $fastai_out"
"$python" - "$int8_p50" "$fastai_out" <<'PY'
import json, sys
int8 = float(sys.argv[1]); fastai = json.loads(sys.argv[2])['p50_ms']
print(f"int8 Predictor p50 {int8:.2f} ms, fastai learn.predict p50 {fastai:.2f} ms: ratio {int8 / fastai:.3f} (target <= 0.25)")
PY
