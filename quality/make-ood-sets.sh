#!/usr/bin/env bash
# Builds the out-of-domain sets the `ood` benchmark (bench/Kodiak.Bench) scores a clipart3 model against, outside the repo:
#   ${QUALITY_DATA:-/tmp/kodiak-quality}/openclip5        openclipart categories not in clipart3 (people, signs, tools,
#                                                         plants, buildings; made by make-sets.sh, run from here)
#   ${QUALITY_DATA:-/tmp/kodiak-quality}/photos           photographs from Debian's wallpaper packages (listed below,
#                                                         none of animals, food or vehicles): each whole, and its four
#                                                         quadrants, longest side at most 640 px, JPEG quality 90
# Idempotent; installs the Debian packages when missing (needs root). Prints the counts.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT_ROOT="${QUALITY_DATA:-/tmp/kodiak-quality}"
PY=/usr/bin/python3
PACKAGES=(mate-backgrounds lomiri-wallpapers-16.04 plasma-workspace-wallpapers)

bash "$HERE/make-sets.sh" >/dev/null
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if (( ${#missing[@]} )); then
    [[ $(id -u) == 0 ]] || { echo "make-ood-sets: needs root to install ${missing[*]}" >&2; exit 1; }
    apt-cache show "${missing[0]}" >/dev/null 2>&1 || apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
fi

"$PY" - "$OUT_ROOT/photos" <<'PYEOF'
import glob, os, shutil, sys
from PIL import Image
Image.MAX_IMAGE_PIXELS = None                  # wallpapers are large and trusted
dest = sys.argv[1]
MATE = "/usr/share/backgrounds/mate/nature/"
LOMIRI = "/usr/share/backgrounds/"
PLASMA = "/usr/share/wallpapers/"
# Photographs only (the packages also hold drawings and abstract art), and none showing an animal, food or a vehicle.
sources = [MATE + f + ".jpg" for f in ["Aqua", "Blinds", "Dune", "FreshFlower", "Garden", "GreenMeadow", "RainDrops", "Storm", "Wood", "YellowFlower"]]
sources += [LOMIRI + f + ".jpg" for f in ["Bridge_by_Sander_Klootwijk", "Picture_0B_by_freespace", "Picture_1A_by_freespace",
            "aitzgorri_by_Aitzol_Berasategi", "analogpattern_by_Peter_Nerlich", "greentock_by_Peter_Nerlich", "life_by_Aitzol_Berasategi",
            "picosdeeuropa_by_Aitzol_Berasategi", "seeding_by_Clements_Engelhardt", "sunset_by_Aitzol_Berasategi"]]
for name in ["BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf", "Grey", "Kite", "MilkyWay",
             "OneStandsOut", "Path", "summer_1am"]:
    images = sorted(glob.glob(PLASMA + name + "/contents/images/*"), key=os.path.getsize)
    sources.append(images[-1])
want = 5 * len(sources)
if os.path.isdir(dest) and len(os.listdir(dest)) == want:
    print(f"photos: already complete, {want} images ({dest})"); sys.exit(0)
tmp = dest + ".partial"
shutil.rmtree(tmp, ignore_errors=True); os.makedirs(tmp)
for path in sources:
    base = path[len(PLASMA):].split("/")[0] if PLASMA in path else os.path.splitext(os.path.basename(path))[0]
    with Image.open(path) as im:
        im = im.convert("RGB")
    w, h = im.size
    crops = {"whole": (0, 0, w, h), "q1": (0, 0, w // 2, h // 2), "q2": (w // 2, 0, w, h // 2),
             "q3": (0, h // 2, w // 2, h), "q4": (w // 2, h // 2, w, h)}
    for tag, box in crops.items():
        part = im.crop(box)
        part.thumbnail((640, 640))
        part.save(os.path.join(tmp, f"{base}-{tag}.jpg"), "JPEG", quality=90)
shutil.rmtree(dest, ignore_errors=True); os.rename(tmp, dest)
print(f"photos: {want} images from {len(sources)} photographs ({dest})")
PYEOF
ls -d "$OUT_ROOT"/openclip5/*/ | while read -r d; do echo "openclip5/$(basename "$d"): $(ls "$d" | wc -l)"; done
