#!/usr/bin/env bash
# Builds the small, unbalanced image sets the quality comparison runs on, outside the repository:
#   ${QUALITY_DATA:-/tmp/kodiak-quality}/clipart3-unbal   animals 120, food 45, vehicles 15 (copied from clipart3)
#   ${QUALITY_DATA:-/tmp/kodiak-quality}/openclip5        people 120, signs 80, tools 50, plants 30, buildings 15
#                                                         (converted from Debian's openclipart-png like clipart3)
# Idempotent: a set that is already complete is left alone. Each set is built in a temporary folder and renamed
# into place, so an interrupted run leaves nothing half-made. Prints the per-class counts of both sets.
#
# Environment: QUALITY_DATA (output root), CLIPART3 (default /work/shared/data/clipart3),
#              OPENCLIPART (default /usr/share/openclipart/png; apt-get installs openclipart-png if it is absent).
set -euo pipefail

OUT_ROOT="${QUALITY_DATA:-/tmp/kodiak-quality}"
CLIPART3="${CLIPART3:-/work/shared/data/clipart3}"
OPENCLIPART="${OPENCLIPART:-/usr/share/openclipart/png}"
PY=/usr/bin/python3

die() { echo "make-sets: error: $*" >&2; exit 1; }

[[ -x "$PY" ]] || die "$PY not found (Debian's python3 with python3-pil is needed)"
"$PY" -c 'import PIL' 2>/dev/null || die "$PY cannot import PIL: apt-get install -y python3-pil"
[[ -d "$CLIPART3" ]] || die "clipart3 not found at '$CLIPART3' (set CLIPART3=...)"

if [[ ! -d "$OPENCLIPART" ]]; then
    [[ "$OPENCLIPART" == /usr/share/openclipart/png ]] || die "OPENCLIPART='$OPENCLIPART' does not exist"
    echo "openclipart-png is not installed; installing it (Debian package, about 131 MB download, 154 MB installed)."
    command -v apt-get >/dev/null || die "no apt-get: install Debian's openclipart-png by hand or set OPENCLIPART"
    [[ $(id -u) == 0 ]] || die "installing openclipart-png needs root: sudo apt-get install -y openclipart-png"
    if ! apt-cache show openclipart-png >/dev/null 2>&1; then apt-get update; fi
    apt-cache show openclipart-png | grep -E '^(Version|Size|Installed-Size):' || die "apt knows no openclipart-png package"
    apt-get install -y openclipart-png
    [[ -d "$OPENCLIPART" ]] || die "openclipart-png installed but '$OPENCLIPART' is missing"
fi

mkdir -p "$OUT_ROOT"

"$PY" - "$OUT_ROOT" "$CLIPART3" "$OPENCLIPART" <<'PYEOF'
import hashlib, io, os, shutil, sys, warnings
from PIL import Image

out_root, clipart3, openclipart = sys.argv[1:4]
Image.MAX_IMAGE_PIXELS = 200_000_000          # a few openclipart PNGs are large; none is hostile
warnings.simplefilter("ignore", Image.DecompressionBombWarning)

def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

def counts_of(folder, classes):
    return {c: sum(1 for f in os.listdir(os.path.join(folder, c)) if f.lower().endswith(".jpg"))
            if os.path.isdir(os.path.join(folder, c)) else 0 for c in classes}

def existing_complete(dest, wanted):
    """True if dest is complete; an incomplete dest is an error (it was not made by this script, or was changed)."""
    if not os.path.exists(dest):
        return False
    have = counts_of(dest, wanted)
    if os.path.isfile(os.path.join(dest, "README.md")) and have == wanted:
        return True
    sys.exit(f"make-sets: error: '{dest}' exists but is incomplete or different (has {have}, want {wanted}); "
             f"delete it and run again")

def fresh_tmp(dest):
    tmp = dest + ".partial"
    if os.path.exists(tmp):
        shutil.rmtree(tmp)
    os.makedirs(tmp)
    return tmp

def print_counts(name, dest, classes):
    c = counts_of(dest, classes)
    print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in c.items()) + f"; total {sum(c.values())}  ({dest})")

# ---------------------------------------------------------------- a. clipart3-unbal: copy a deterministic subset
def make_clipart3_unbal():
    name = "clipart3-unbal"
    wanted = {"animals": 120, "food": 45, "vehicles": 15}
    dest = os.path.join(out_root, name)
    if existing_complete(dest, wanted):
        print(f"{name}: already complete, skipped")
        return print_counts(name, dest, wanted)
    tmp = fresh_tmp(dest)
    for cls, n in wanted.items():
        src_dir = os.path.join(clipart3, cls)
        if not os.path.isdir(src_dir):
            sys.exit(f"make-sets: error: class folder '{src_dir}' not found")
        files = sorted((f for f in os.listdir(src_dir) if f.lower().endswith(".jpg")), key=lambda f: (sha(f), f))
        if len(files) < n:
            sys.exit(f"make-sets: error: '{src_dir}' has {len(files)} images, {n} wanted")
        os.makedirs(os.path.join(tmp, cls))
        for f in files[:n]:
            shutil.copyfile(os.path.join(src_dir, f), os.path.join(tmp, cls, f))
    lines = [f"# {name} — a small, unbalanced subset of clipart3", "",
             f"{sum(wanted.values())} images: " + ", ".join(f"`{c}/` ({n})" for c, n in wanted.items()) + ".", "",
             f"Made by `quality/make-sets.sh` from `{clipart3}` (see its README.md: Debian's `openclipart-png`,",
             "public domain, flattened onto white, longest side at most 320 px, JPEG quality 88). Files are copied",
             "unchanged. Selection: in each class folder, the `.jpg` files sorted by the SHA-256 (hex) of their file",
             "name (UTF-8, e.g. `a_simple_pig_01.jpg`), the first N kept: deterministic, and unrelated to content.", "",
             "| class | images | of (in clipart3) |", "|---|---|---|"]
    for cls, n in wanted.items():
        total = sum(1 for f in os.listdir(os.path.join(clipart3, cls)) if f.lower().endswith(".jpg"))
        lines.append(f"| {cls} | {n} | {total} |")
    with open(os.path.join(tmp, "README.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.rename(tmp, dest)
    print(f"{name}: built")
    print_counts(name, dest, wanted)

# ---------------------------------------------------------------- b. openclip5: five openclipart categories, converted
# target class <- source category folder (recursive), images wanted
OPENCLIP5 = [("people", "people", 120), ("signs", "signs_and_symbols", 80), ("tools", "tools", 50),
             ("plants", "plants", 30), ("buildings", "buildings", 15)]
MIN_SIDE, MAX_SIDE, QUALITY = 32, 320, 88

def convert(path):
    """(jpeg bytes, (w, h) before, (w, h) after) or raises; None if under MIN_SIDE px on a side.

    The order is the one that reproduces clipart3 byte for byte (checked on 300 of its files with this Pillow 9.4):
    to RGBA, Image.thumbnail (bicubic, reducing_gap 2) to at most 320 px, then flattened onto white, JPEG q88."""
    with Image.open(path) as im:
        im.load()
        size = im.size
        if min(size) < MIN_SIDE:
            return None
        if im.mode in ("I", "I;16", "I;16B", "F"):        # 16-bit / float greyscale: scale to 8 bits first
            im = im.point(lambda v: v / 256).convert("L")
        rgba = im.convert("RGBA")
    rgba.thumbnail((MAX_SIDE, MAX_SIDE))                   # only ever shrinks
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    buf = io.BytesIO()
    flat.save(buf, "JPEG", quality=QUALITY)
    return buf.getvalue(), size, flat.size

def make_openclip5():
    name = "openclip5"
    wanted = {cls: n for cls, _, n in OPENCLIP5}
    dest = os.path.join(out_root, name)
    if existing_complete(dest, wanted):
        print(f"{name}: already complete, skipped")
        return print_counts(name, dest, wanted)
    # Every candidate of the five categories, relative to the openclipart root, in one global order (SHA-256 of
    # the relative path): the first file with given bytes is kept, any later copy (in any class) is a duplicate.
    candidates = {}
    for cls, src, _ in OPENCLIP5:
        root = os.path.join(openclipart, src)
        if not os.path.isdir(root):
            sys.exit(f"make-sets: error: category folder '{root}' not found")
        for d, _, files in os.walk(root):
            for f in files:
                if f.lower().endswith(".png"):
                    rel = os.path.relpath(os.path.join(d, f), openclipart).replace(os.sep, "/")
                    candidates[rel] = cls
    order = sorted(candidates, key=lambda r: (sha(r), r))
    seen, duplicate_of = {}, {}
    for rel in order:
        with open(os.path.join(openclipart, rel), "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if digest in seen:
            duplicate_of[rel] = seen[digest]
        else:
            seen[digest] = rel
    tmp = fresh_tmp(dest)
    stats = {cls: {"pool": 0, "duplicate": 0, "small": 0, "failed": 0, "name_taken": 0} for cls in wanted}
    failures, rows = [], []
    for cls in wanted:
        os.makedirs(os.path.join(tmp, cls))
        stats[cls]["pool"] = sum(1 for r in candidates.values() if r == cls)
    for cls, src, n in OPENCLIP5:
        kept = 0
        for rel in (r for r in order if candidates[r] == cls):
            if kept == n:
                break
            st = stats[cls]
            if rel in duplicate_of:
                st["duplicate"] += 1
                continue
            target = os.path.splitext(os.path.basename(rel))[0] + ".jpg"
            if os.path.exists(os.path.join(tmp, cls, target)):
                st["name_taken"] += 1              # same base name from another subfolder: keep the first
                continue
            try:
                result = convert(os.path.join(openclipart, rel))
            except Exception as e:                 # noqa: BLE001 - report and skip any undecodable file
                st["failed"] += 1
                failures.append(f"{rel}: {type(e).__name__}: {e}")
                continue
            if result is None:
                st["small"] += 1
                continue
            data, before, after = result
            with open(os.path.join(tmp, cls, target), "wb") as fh:
                fh.write(data)
            rows.append((f"{cls}/{target}", rel, f"{before[0]}x{before[1]}", f"{after[0]}x{after[1]}"))
            kept += 1
        if kept < n:
            sys.exit(f"make-sets: error: category '{src}' gave only {kept} usable images, {n} wanted")
    for f in failures:
        print(f"  could not convert (skipped): {f}", file=sys.stderr)
    with open(os.path.join(tmp, "sources.tsv"), "w") as fh:
        fh.write("file\tsource\tsource_size\tsize\n")
        fh.writelines("\t".join(r) + "\n" for r in rows)
    lines = [f"# {name} — five Open Clip Art categories, unbalanced", "",
             f"{sum(wanted.values())} images in five class folders: " +
             ", ".join(f"`{c}/` ({n})" for c, n in wanted.items()) + ".", "",
             "Made by `quality/make-sets.sh` from Debian's `openclipart-png` package "
             f"(`{openclipart}`), whose images the Open Clip Art Library dedicated to the public domain.",
             "Folder mapping (each recursive, sub-folders merged): " +
             ", ".join(f"`{c}/` ← `{s}/**`" for c, s, _ in OPENCLIP5) +
             ". None of clipart3's categories (animals, food, transportation) is used.", "",
             "Conversion, as for clipart3: exact duplicates dropped by content hash (SHA-256 of the PNG bytes, across",
             "all five categories: the first in the order below is kept), images under 32 px on a side dropped, alpha",
             "flattened onto white, longest side scaled down to at most 320 px, saved as JPEG quality 88, named after the",
             "original file with `.jpg`. Pillow: RGBA, `thumbnail((320, 320))` (bicubic), then pasted onto white, the",
             "order that reproduces clipart3's files byte for byte.", "",
             "Selection: each category's PNG files sorted by the SHA-256 (hex) of their path relative to the",
             "openclipart root (e.g. `plants/flowers/x.png`); the first N usable ones kept. Deterministic. A base name",
             "already taken in the class folder (same name in two sub-folders) is skipped, so no file is overwritten.",
             "`sources.tsv` maps every file to its source and sizes.", "",
             "It is real data, not cleaned by hand: expect odd members (e.g. furniture under buildings, weapons under",
             "tools, clothing and smileys under people, flags, clocks and LED digits under signs).", "",
             "| class | source | images | pool (PNGs) | skipped: duplicate | under 32 px | failed | name taken |",
             "|---|---|---|---|---|---|---|---|"]
    for cls, src, n in OPENCLIP5:
        st = stats[cls]
        lines.append(f"| {cls} | {src}/** | {n} | {st['pool']} | {st['duplicate']} | {st['small']} | {st['failed']} | {st['name_taken']} |")
    lines += ["", "(The skip counts are those met before N usable images were found, not over the whole pool.)"]
    if failures:
        lines += ["", "Files that could not be converted (skipped):", ""] + [f"- `{f}`" for f in failures]
    with open(os.path.join(tmp, "README.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    os.rename(tmp, dest)
    print(f"{name}: built ({len(duplicate_of)} exact duplicates among the {len(candidates)} PNGs of the five categories)")
    for cls in wanted:
        st = stats[cls]
        print(f"  {cls}: skipped {st['duplicate']} duplicate, {st['small']} under 32 px, {st['failed']} failed, "
              f"{st['name_taken']} name taken")
    print_counts(name, dest, wanted)

make_clipart3_unbal()
make_openclip5()
PYEOF
