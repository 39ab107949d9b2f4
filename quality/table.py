#!/usr/bin/python3
"""Markdown tables from quality/compare.sh's results.tsv (stdlib only).

  /usr/bin/python3 quality/table.py RUNS/results.tsv [MORE.tsv ...]

First a summary (one line per name, size, epochs and Kodiak options: seeds, mean error per side, the ratio
kodiak/fastai of the mean errors), then one table per group with every seed's row. Means are over the seeds
that have a value on that side; the ratio is over the seeds that have both sides. Rows repeated (same name,
size, epochs, seed, options) count once, the last one read wins.
"""
import sys
from collections import OrderedDict

KEY = ("name", "size", "epochs", "seed", "kodiak_options")
GROUP = ("name", "size", "epochs", "kodiak_options")


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def mean(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def f(v, digits=4):
    return "–" if v is None else f"{v:.{digits}f}"


def ratio(k, fa):
    if k is None or fa is None:
        return "–"
    if fa == 0:
        return "∞" if k > 0 else "1.00 (both 0)"
    return f"{k / fa:.2f}"


def read(paths):
    rows = OrderedDict()
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError as e:
            sys.exit(f"table: error: cannot read '{path}': {e}")
        if not lines:
            continue
        header = lines[0].split("\t")
        missing = [c for c in KEY + ("kodiak_error", "fastai_error") if c not in header]
        if missing:
            sys.exit(f"table: error: '{path}' has no column(s) {missing}; is it a compare.sh results.tsv?")
        for line in lines[1:]:
            if line.strip():
                r = dict(zip(header, line.split("\t")))
                rows[tuple(r.get(c, "") for c in KEY)] = r
    return list(rows.values())


def cell(r, side):
    err, wrong = num(r.get(f"{side}_error")), r.get(f"{side}_wrong", "")
    return "–" if err is None else f"{err:.4f} ({wrong}/{r.get('valid_count', '?')})"


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rows = read(argv[1:])
    groups = OrderedDict()
    for r in sorted(rows, key=lambda r: (r["name"], int(r["size"] or 0), int(r["epochs"] or 0), r["kodiak_options"],
                                         int(r["seed"] or 0))):
        groups.setdefault(tuple(r[c] for c in GROUP), []).append(r)
    if not groups:
        print("(no results)")
        return 0

    out = ["| data | size | epochs | Kodiak options | seeds | Kodiak mean error | fastai mean error | kodiak/fastai "
           "| Kodiak + TTA | TTA/fastai | best epoch (post hoc) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    details = []
    for (name, size, epochs, options), rs in groups.items():
        k_all = mean(num(r["kodiak_error"]) for r in rs)
        f_all = mean(num(r["fastai_error"]) for r in rs)
        both = [r for r in rs if num(r["kodiak_error"]) is not None and num(r["fastai_error"]) is not None]
        k_both = mean(num(r["kodiak_error"]) for r in both)
        f_both = mean(num(r["fastai_error"]) for r in both)
        opts = f"`{options}`" if options else "(defaults)"
        t_all = mean(num(r.get("kodiak_tta_error")) for r in rs)
        b_all = mean(num(r.get("kodiak_best_error")) for r in rs)
        out.append(f"| {name} | {size} | {epochs} | {opts} | {len(rs)} | {f(k_all)} | {f(f_all)} | "
                   f"{ratio(k_both, f_both)} | {f(t_all)} | {ratio(t_all, f_both)} | {f(b_all)} |")

        details += ["", f"### {name}, size {size}, epochs {epochs}, Kodiak options: {opts}", "",
                    "| seed | valid | Kodiak error (wrong) | Kodiak valid loss | fastai error (wrong) | fastai valid loss "
                    "| Kodiak s | fastai s | Kodiak + TTA | best epoch |",
                    "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rs:
            details.append(f"| {r['seed']} | {r.get('valid_count', '')} | {cell(r, 'kodiak')} | "
                           f"{r.get('kodiak_valid_loss') or '–'} | {cell(r, 'fastai')} | {r.get('fastai_valid_loss') or '–'} | "
                           f"{r.get('kodiak_seconds') or '–'} | {r.get('fastai_seconds') or '–'} | "
                           f"{r.get('kodiak_tta_error') or '–'} | {r.get('kodiak_best_error') or '–'} |")
        details.append(f"| **mean** | | **{f(k_all)}** | {f(mean(num(r.get('kodiak_valid_loss')) for r in rs))} | "
                       f"**{f(f_all)}** | {f(mean(num(r.get('fastai_valid_loss')) for r in rs))} | "
                       f"{f(mean(num(r.get('kodiak_seconds')) for r in rs), 1)} | "
                       f"{f(mean(num(r.get('fastai_seconds')) for r in rs), 1)} | "
                       f"{f(mean(num(r.get('kodiak_tta_error')) for r in rs))} | {f(mean(num(r.get('kodiak_best_error')) for r in rs))} |")
        note = f"Mean error ratio kodiak/fastai: **{ratio(k_both, f_both)}**"
        if len(both) != len(rs):
            note += f" (over the {len(both)} of {len(rs)} seeds with both sides)"
        details += ["", note + "."]
    print("\n".join(out + details))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
