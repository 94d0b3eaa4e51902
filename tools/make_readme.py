"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines cannot install).

Markdown cells are copied as they are; code cells become ```python blocks; cells marked `#| hide` are left out.

The README's result tables are never typed by hand: in index.ipynb (and the other pages of `PAGES`) each sits between
`<!-- table: NAME ARGS -->` and `<!-- /table -->`, and `python tools/make_readme.py` rewrites what lies between from
the CSVs in data/results (the ones `make summary` rebuilds from the rows), then writes README.md from index.ipynb.
NAME is one of `TABLES` below. `python tools/make_readme.py --check` exits 1 when a table or README.md is out of
date; it writes nothing."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT / "nbs" / "index.ipynb"
PAGES = [NB, ROOT / "nbs" / "performance.ipynb"]       # the notebooks whose marked tables are written from the CSVs
RESULTS = ROOT / "data" / "results"

def _missing(v): return v is None or (isinstance(v, float) and v != v)

def markdown(header, rows) -> str:
    "A GitHub-markdown table: `header` a list of strings, `rows` lists of strings."
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])

def _csv(name, results, index_col=0):
    import pandas as pd
    p = Path(results) / f"{name}.csv"
    if not p.exists(): raise FileNotFoundError(f"{p} is missing: run `make summary` to rebuild data/results from the rows")
    df = pd.read_csv(p, index_col=index_col)
    df.attrs["csv"] = name
    return df

def _col(df, col):
    "Column `col` of a table `_csv` read, or an error that names the file and its columns."
    if col not in df.columns:
        raise KeyError(f"{df.attrs.get('csv', 'the')}.csv has no column {col!r}; its columns: {', '.join(map(str, df.columns))}")
    return df[col]

TABLES = {}

def table(name):
    "Register a builder `f(results, *args) -> markdown` under `name`."
    def reg(f): TABLES[name] = f; return f
    return reg

# ---- the benchmarks (benchmarks/results, written by benchmarks/run.py) ------------------------------------------------
BENCH = ROOT / "benchmarks" / "results"
ARCH_NAMES = {"resnet18": "ResNet-18", "efficientnet_lite0": "EfficientNet-Lite0", "vgg16": "VGG-16"}

@table("steps")
def steps_table(results, name="cpu"):
    "Training-step time over native BP's (median of the paired repeats, quartiles in brackets), per network."
    p = BENCH / f"{name}.json"
    if not p.exists(): raise FileNotFoundError(f"{p} is missing: run `python benchmarks/run.py --out {p}`")
    res = json.loads(p.read_text()); info = res["info"]
    cols = [("BP (converted)", "BP"), ("FA", "FA"), ("uSF", "uSF"), ("frSF", "frSF"), ("brSF, backward only", "brSF (no redraw)"),
            ("brSF with its redraw", "brSF"), ("brSF, redraw by PCG64", "brSF (pcg64)"), ("biotorch uSF", "biotorch uSF")]
    rows = []
    for key, rs in res["steps"].items():
        arch, prec = key.split()
        by = {r["config"]: r for r in rs}
        cell = lambda c: (f"{by[c]['ratio_vs_bp']:.2f} [{by[c]['ratio_q25']:.2f}, {by[c]['ratio_q75']:.2f}]" if c in by else "–")
        rows.append([f"{ARCH_NAMES.get(arch, arch)}, {info['image_size']} px, batch {info['batch']}, {prec} "
                     f"(BP {by['BP (native)']['step_ms']:.0f} ms a step)"]
                    + [cell(c) for _, c in cols])
    return markdown([""] + [c for c, _ in cols], rows)

# ---- the verdict and what the record holds ------------------------------------------------------------------------
VERDICT_COLS = {"the paper": "paper's number", "ours, the paper's protocol": "paper's protocol",
                "ours, exact gradient": "exact gradient (strongest)", "ours, no gradient": "no gradient",
                "ours, transfer from BP": "transfer from BP"}

def _diff(r, col):
    "A verdict cell: the paired difference with its interval, else the two means, else blank."
    for k in (f"{col}: difference", col):
        if k in r and not _missing(r[k]) and str(r[k]).strip(): return str(r[k])
    return ""

@table("verdict")
def verdict_table(results):
    "One row per claim of data/results/verdict.csv: the paper's number, our paired differences, the verdict."
    df = _csv("verdict", results)
    for c in ["paper", "paper's number", "verdict"]: _col(df, c)
    rows = [[f"{r['paper'].split(' (')[0]}: {name}", str(r["paper's number"]) if not _missing(r["paper's number"]) else "",
             *[_diff(r, c) for h, c in list(VERDICT_COLS.items())[1:]], f"**{r['verdict']}**"] for name, r in df.iterrows()]
    return markdown(["claim", *VERDICT_COLS, "verdict"], rows)

@table("coverage")
def coverage_table(results):
    "Per study grid: the runs it asks for and those the record holds."
    df = _csv("coverage", results)
    return markdown(["study", "runs in the grid", "in the record"],
                    [[f"`{s}`", str(int(r['runs'])), str(int(r['recorded']))] for s, r in df.iterrows()])

# ---- filling the notebook and rendering the README -----------------------------------------------------------------
MARK = re.compile(r"<!-- table: *([^>]*?) *-->\n(.*?)<!-- /table -->", re.S)

def fill(text: str, results=RESULTS) -> str:
    "Rewrite every marked table in `text` from the CSVs in `results`."
    if text.count("<!-- table:") != text.count("<!-- /table -->"):
        raise ValueError("a `<!-- table: NAME -->` marker has no `<!-- /table -->` after it (or the reverse)")
    def one(m):
        name, *args = m.group(1).split()
        if name not in TABLES: raise KeyError(f"unknown README table {name!r}; the tables: {', '.join(sorted(TABLES))}")
        return f"<!-- table: {m.group(1)} -->\n{TABLES[name](results, *args)}\n<!-- /table -->"
    return MARK.sub(one, text)

def fill_notebook(nb: dict, results=RESULTS) -> dict:
    "The notebook with the marked tables of its markdown cells rewritten."
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "<!-- table:" in src:
            cell["source"] = fill(src, results).splitlines(keepends=True)
    return nb

def render(nb:dict) -> str:
    "README.md's text from the notebook (its JSON as a dict)."
    parts = []
    for cell in nb["cells"]:
        src = "".join(cell["source"]).strip("\n")
        if not src or src.startswith("#| hide") or cell["cell_type"] == "raw": continue
        parts.append(src if cell["cell_type"] == "markdown" else f"```python\n{src}\n```")
    return "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n" + \
        "\n\n".join(parts) + "\n"

def dump(nb) -> str: return json.dumps(nb, indent=1, ensure_ascii=True) + "\n"

if __name__ == "__main__":
    readme, stale = ROOT / "README.md", []
    for page in PAGES:
        page_text = page.read_text()
        nb = fill_notebook(json.loads(page_text))
        if dump(nb) != page_text:
            if "--check" in sys.argv: stale.append(f"{page.relative_to(ROOT)}'s tables differ from data/results")
            else: page.write_text(dump(nb))
        if page == NB:
            text = render(nb)
            if not readme.exists() or readme.read_text() != text:
                if "--check" in sys.argv: stale.append("README.md is out of date")
                else: readme.write_text(text)
    if stale: sys.exit("; ".join(stale) + ": run `python tools/make_readme.py` and commit")
