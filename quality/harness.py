#!/usr/bin/python3
"""Helpers for quality/compare.sh (stdlib only; run with /usr/bin/python3).

  harness.py valid-list BUNDLE OUT_FILE          the ValidItems of a .kodiak bundle, sorted, one a line; prints the count
  harness.py same-list A B                       exit 0 if the two list files hold the same paths, else 1 (prints the diff)
  harness.py kodiak-done RUN_DIR                 exit 0 if RUN_DIR holds a finished, uninterrupted Kodiak run
  harness.py check-data RUN_FILE DATA            error unless a cached run (model.kodiak or fastai's metrics.json) was
                                                 trained on DATA: the run folders are keyed by --name, not by path
  harness.py row TSV KEY=VALUE...                builds a results.tsv row from both runs' metrics and upserts it
"""
import json
import os
import sys
import zipfile

COLUMNS = ["name", "size", "epochs", "seed", "kodiak_options", "valid_count",
           "kodiak_error", "kodiak_wrong", "kodiak_valid_loss",
           "fastai_error", "fastai_wrong", "fastai_valid_loss",
           "kodiak_seconds", "fastai_seconds", "kodiak_tta_error", "kodiak_best_error"]
KEY = ["name", "size", "epochs", "seed", "kodiak_options"]


def die(message):
    sys.exit(f"harness: error: {message}")


def load_json(path, what):
    if not os.path.isfile(path):
        die(f"{what} not found: '{path}'")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as e:
        die(f"{what} '{path}' is not valid JSON: {e}")


def bundle_valid_items(bundle):
    """Training.ValidItems of kodiak.json inside a .kodiak zip (System.Text.Json web defaults: camelCase)."""
    if not os.path.isfile(bundle):
        die(f"Kodiak model bundle not found: '{bundle}'")
    try:
        with zipfile.ZipFile(bundle) as z:
            manifest = json.loads(z.read("kodiak.json"))
    except (zipfile.BadZipFile, KeyError) as e:
        die(f"'{bundle}' is not a readable Kodiak bundle (no kodiak.json): {e}")
    items = (manifest.get("training") or {}).get("validItems")
    if items is None:
        die(f"'{bundle}' records no training.validItems (a bundle from a Kodiak before they were recorded)")
    return items


def read_list(path):
    if not os.path.isfile(path):
        die(f"list file not found: '{path}'")
    with open(path, encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


def valid_list(bundle, out_file):
    items = sorted(bundle_valid_items(bundle))
    if len(set(items)) != len(items):
        die(f"'{bundle}' lists some validation items twice")
    with open(out_file, "w", encoding="utf-8") as fh:
        fh.writelines(f"{i}\n" for i in items)
    print(len(items))


def same_list(a, b):
    la, lb = set(read_list(a)), set(read_list(b))
    if la == lb:
        return 0
    only_a, only_b = sorted(la - lb), sorted(lb - la)
    print(f"'{a}' and '{b}' differ: {len(only_a)} only in the first (e.g. {only_a[:3]}), "
          f"{len(only_b)} only in the second (e.g. {only_b[:3]})", file=sys.stderr)
    return 1


def kodiak_done(run_dir):
    metrics = os.path.join(run_dir, "report", "metrics.json")
    bundle = os.path.join(run_dir, "model.kodiak")
    if not (os.path.isfile(metrics) and os.path.isfile(bundle)):
        return 1
    try:
        with open(metrics, encoding="utf-8") as fh:
            m = json.load(fh)
    except (OSError, json.JSONDecodeError):
        return 1
    return 1 if m.get("interrupted") or m.get("error_rate") is None else 0


def check_data(run_file, data):
    if run_file.endswith(".kodiak"):
        if not os.path.isfile(run_file):
            die(f"Kodiak model bundle not found: '{run_file}'")
        with zipfile.ZipFile(run_file) as z:
            trained_on = (json.loads(z.read("kodiak.json")).get("training") or {}).get("dataFolder")
    else:
        trained_on = load_json(run_file, "fastai metrics").get("data")
    if trained_on is None or os.path.realpath(trained_on) != os.path.realpath(data):
        die(f"the cached run '{os.path.dirname(run_file)}' was trained on '{trained_on}', not '{data}': "
            f"give this data another --name, or delete that folder")
    return 0


def fmt(value, digits):
    return "" if value is None else f"{value:.{digits}f}"


def row(tsv, fields):
    f = dict(fields)
    kodiak_dir, fastai_dir = f.pop("kodiak_dir"), f.pop("fastai_dir", "")
    km = load_json(os.path.join(kodiak_dir, "report", "metrics.json"), "Kodiak metrics")
    valid_count = len(bundle_valid_items(os.path.join(kodiak_dir, "model.kodiak")))
    k_err = km.get("error_rate")
    if k_err is None:
        die(f"'{kodiak_dir}/report/metrics.json' has no error_rate (no validation images?)")
    k_loss = km.get("valid_loss")
    # What --keep-best would have kept: the unfrozen epoch with the lowest validation loss (the first of equals).
    unfrozen = [e for e in km.get("epochs", []) if e.get("phase") == "unfrozen"]
    best = min(unfrozen, key=lambda e: e["valid_loss"]) if unfrozen else None
    out = {c: f.get(c, "") for c in KEY}
    out.update(valid_count=str(valid_count), kodiak_error=fmt(k_err, 4), kodiak_wrong=str(round(k_err * valid_count)),
               kodiak_valid_loss=fmt(k_loss, 4), kodiak_seconds=fmt(km.get("train_seconds"), 1),
               kodiak_tta_error=fmt(km.get("tta_error_rate"), 4), kodiak_best_error=fmt(best and best["error_rate"], 4),
               fastai_error="", fastai_wrong="", fastai_valid_loss="", fastai_seconds="")
    if fastai_dir:
        fm = load_json(os.path.join(fastai_dir, "metrics.json"), "fastai metrics")
        if fm["valid_count"] != valid_count:
            die(f"fastai validated on {fm['valid_count']} images, Kodiak on {valid_count} ('{fastai_dir}')")
        out.update(fastai_error=fmt(fm["error_rate"], 4), fastai_wrong=str(round(fm["error_rate"] * fm["valid_count"])),
                   fastai_valid_loss=fmt(fm.get("valid_loss"), 4), fastai_seconds=fmt(fm.get("train_seconds"), 1))
    for c, v in out.items():
        if "\t" in v or "\n" in v:
            die(f"column {c} would hold a tab or newline: {v!r}")
    # Upsert: a re-run with the same key replaces its row, so results.tsv holds one row per run.
    rows = []
    if os.path.isfile(tsv):
        with open(tsv, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        if lines and lines[0].split("\t") != COLUMNS:
            die(f"'{tsv}' has other columns than {COLUMNS}; move it away")
        rows = [dict(zip(COLUMNS, line.split("\t"))) for line in lines[1:] if line]
    key = tuple(out[c] for c in KEY)
    rows = [r for r in rows if tuple(r.get(c, "") for c in KEY) != key] + [out]
    tmp = tsv + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write("\t".join(COLUMNS) + "\n")
        fh.writelines("\t".join(r.get(c, "") for c in COLUMNS) + "\n" for r in rows)
    os.replace(tmp, tsv)
    print("\t".join(f"{c}={out[c]}" for c in COLUMNS if out[c] != ""))


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == "valid-list" and len(args) == 2:
        return valid_list(*args)
    if cmd == "same-list" and len(args) == 2:
        return same_list(*args)
    if cmd == "kodiak-done" and len(args) == 1:
        return kodiak_done(*args)
    if cmd == "check-data" and len(args) == 2:
        return check_data(*args)
    if cmd == "row" and len(args) >= 1:
        pairs = []
        for a in args[1:]:
            if "=" not in a:
                die(f"row: expected KEY=VALUE, got {a!r}")
            pairs.append(a.split("=", 1))
        return row(args[0], pairs)
    die(f"unknown command or wrong arguments: {argv[1:]}\n{__doc__}")


if __name__ == "__main__":
    sys.exit(main(sys.argv) or 0)
