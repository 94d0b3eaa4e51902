"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines cannot install).

Markdown cells are copied as they are; code cells become ```python blocks; cells marked `#| hide` are left out.

The README's result tables are never typed by hand: in index.ipynb each sits between `<!-- table: NAME ARGS -->` and
`<!-- /table -->`, and `python tools/make_readme.py` rewrites what lies between from the CSVs in data/results (the
ones `make summary` rebuilds from the rows), then writes README.md. NAME is one of `TABLES` below.
`python tools/make_readme.py --check` exits 1 when a table or README.md is out of date; it writes nothing."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB = ROOT / "nbs" / "index.ipynb"
RESULTS = ROOT / "data" / "results"

# ---- cells: the summary CSVs write "m ± h (3 seeds)", "m [lo, hi] (1 seed)", "28/30" or a label ----------------
SEEDS = re.compile(r"\s*\((\d+) seeds?\)")

def _missing(v): return v is None or (isinstance(v, float) and v != v)

def n_seeds(v) -> int:
    "How many seeds a summary cell pools (0 for a blank or a cell that does not say)."
    m = None if _missing(v) else SEEDS.search(str(v))
    return int(m.group(1)) if m else 0

def marked(v, full=3) -> str:
    "A cell with its interval; the seed count is dropped at `full` seeds and written `(k)` below it."
    if _missing(v): return ""
    k = n_seeds(v)
    return SEEDS.sub("" if k in (0, full) else f" ({k})", str(v))

def plain(v) -> str:
    "A cell in a table whose seeds column gives the count: its interval as it is (one seed's: over its images)."
    return "" if _missing(v) else SEEDS.sub("", str(v))

def bare(v) -> str:
    "A cell in a table whose seeds column gives the count: its interval, or for one seed its value alone."
    return re.sub(r"\s*\[.*?\]", "", plain(v))

def mean(v, digits=1):
    "The mean of a summary cell, rounded; None for a blank."
    if _missing(v): return None
    m = re.match(r"\s*(-?[0-9.]+)", str(v))
    if not m: raise ValueError(f"not a number: {v!r}")
    return round(float(m.group(1)), digits)

def num(v, digits=1) -> str:
    x = mean(v, digits)
    return "" if x is None else f"{x:.{digits}f}"

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

def _picked(df, cols:dict):
    "A frame of `df`'s columns under new headers: {header: column}."
    import pandas as pd
    return pd.DataFrame({h: _col(df, k) for h, k in cols.items()})

def _rows(df, wanted):
    "The rows of `wanted` (variant -> label) that the table has, in that order."
    return [(v, lab) for v, lab in wanted.items() if v in df.index]

FT_ROWS = {"BP": "BP", "FA": "FA", "uSF": "uSF", "frSF": "frSF", "brSF": "brSF", "BP-head": "BP, head only"}
TABLES = {}

def table(name):
    "Register a builder `f(results, *args) -> markdown` under `name`."
    def reg(f): TABLES[name] = f; return f
    return reg

def variant_table(df, wanted=FT_ROWS, cell=marked, special=None, seeds=None) -> str:
    """One row per variant of `wanted` (variant -> label) that `df` has, one column per column of `df`, each cell
    through `cell`; `special` {(variant, column): text} overrides cells; `seeds`: a column whose seed count leads."""
    special = special or {}
    rows = [[lab] + ([str(n_seeds(df.loc[v, seeds]))] if seeds else [])
            + [special.get((v, c), cell(df.loc[v, c])) for c in df.columns] for v, lab in _rows(df, wanted)]
    return markdown([""] + (["seeds"] if seeds else []) + list(df.columns), rows)

# ---- the fine-tuning study -----------------------------------------------------------------------------------------
def _ours(backbone): return f"ours {backbone} cifar10 80px"

@table("study")
def study_table(results, backbone="efficientnet_lite0"):
    "Classification on one backbone: clean (both BN statistics), PGD under each gradient, noise, black-box, the checks."
    import pandas as pd
    ours = lambda name: _col(_csv(name, results), _ours(backbone))
    t5 = _csv("table5_robust_accuracy" + ("" if backbone == "efficientnet_lite0" else f"_{backbone}"), results)
    df = pd.DataFrame({"clean accuracy": ours("table1_clean_accuracy"),
                       "with training's BN statistics": ours("table1b_clean_accuracy_running_bn"),
                       **_picked(t5, {"PGD ε=0.01 rule": "pgd rule ε=0.01", "PGD ε=0.01 exact": "pgd exact ε=0.01",
                                      "PGD ε=0.01 from BP": "transfer exact ε=0.01", "noise ε=0.01": "random none ε=0.01"}),
                       "Boundary ε=0.05": ours("table3_boundary"), "HopSkipJump ε=0.05": ours("table4_hopskipjump"),
                       "checks passed": _col(t5, "masking checks passed")})
    return variant_table(df, special={("BP", "PGD ε=0.01 from BP"): "= exact",
                                      ("BP-head", "with training's BN statistics"): "(not recalibrated)"})

@table("lite")
def lite_table(results, backbone):
    "Classification on a second backbone, with its seed count and its masking-check count."
    import pandas as pd
    t5 = _csv(f"table5_robust_accuracy_{backbone}", results)
    df = pd.DataFrame({"clean": _col(_csv("table1_clean_accuracy", results), _ours(backbone)),
                       **_picked(t5, {"PGD ε=0.01 rule": "pgd rule ε=0.01", "PGD ε=0.01 exact": "pgd exact ε=0.01",
                                      "PGD ε=0.01 from BP": "transfer exact ε=0.01", "noise ε=0.01": "random none ε=0.01",
                                      "checks passed": "masking checks passed"})}).loc[t5.index]
    return variant_table(df, cell=bare, special={("BP", "PGD ε=0.01 from BP"): "(the source)"}, seeds="PGD ε=0.01 exact")

@table("retrieval")
def retrieval_table(results, backbone="efficientnet_lite0"):
    "32-bit retrieval: clean mAP (both BN statistics), relaxed HAG under each gradient, from BP, noise."
    import pandas as pd
    df = pd.DataFrame({"clean mAP": _col(_csv("table2_map", results), _ours(backbone)),
                       "with training's BN statistics": _col(_csv("table2b_map_running_bn", results), _ours(backbone)),
                       **_picked(_csv("table6_robust_map", results), {
                           "relaxed HAG ε=0.01 rule": "hag rule ε=0.01", "relaxed HAG ε=0.01 exact": "hag exact ε=0.01",
                           "from BP ε=0.01": "transfer exact ε=0.01", "noise ε=0.01": "random none ε=0.01",
                           "relaxed HAG ε=0.05 rule": "hag rule ε=0.05", "noise ε=0.05": "random none ε=0.05"})})
    return variant_table(df, special={("BP", "from BP ε=0.01"): "= exact",
                                      ("BP-head", "with training's BN statistics"): "(frozen)"})

@table("authors")
def authors_table(results):
    "Retrieval trained as the authors' code trains it (study_authors.yaml) beside the quick study's, HAG both ways."
    import pandas as pd
    df = pd.DataFrame({"clean mAP": _col(_csv("table2_map", results), _ours("efficientnet_lite0")),
                       **_picked(_csv("table6_robust_map", results), {
                           "relaxed HAG rule": "hag rule ε=0.01", "relaxed HAG exact": "hag exact ε=0.01",
                           "HAG as published, rule": "hag-paper rule ε=0.01",
                           "HAG as published, exact": "hag-paper exact ε=0.01", "noise": "random none ε=0.01"})})
    return variant_table(df, {"BP": "BP", "BP-authors": "BP, the authors' training", "uSF": "uSF",
                              "uSF-authors": "uSF, the authors' training"}, cell=plain, seeds="clean mAP")

@table("reviewer")
def reviewer_table(results):
    "The reviewer's attacks (study_autoattack.yaml)."
    df = _picked(_csv("table_reviewer_attacks", results, index_col="variant"), {
        "clean": "clean", "APGD-CE rule": "APGD-CE rule ε=0.01", "APGD-CE exact": "APGD-CE exact ε=0.01",
        "APGD-T rule": "APGD-T rule ε=0.01", "APGD-T exact": "APGD-T exact ε=0.01", "Square ε=0.001": "Square ε=0.001",
        "its median queries": "Square median queries ε=0.001", "Square": "Square ε=0.01",
        "HopSkipJump": "HopSkipJump L∞ ε=0.01", "Boundary L2 1.25": "Boundary L2 ε=1.25", "noise": "noise ε=0.01"})
    return variant_table(df, {v: v for v in FT_ROWS})

# ---- single runs, from the rows themselves (data/results/study_metrics.csv) ----------------------------------------
def _pct(v): return "0" if v == 0 else f"{100 * v:.1f}"

@table("first_look")
def first_look_table(results, task, *run_ids):
    "Single runs, one row each (named by run id): the clean metric and attacks at ε = 0.01, 95% intervals where kept."
    m = _csv("study_metrics", results, index_col=None)
    if task == "classification":
        metric, robust = "accuracy", "robust_accuracy"
        cols = [("clean accuracy", metric, None, None, True), ("PGD ε=0.01, rule gradient", robust, "pgd", "rule", True),
                ("PGD ε=0.01, exact gradient", robust, "pgd", "exact", True),
                ("PGD ε=0.01, transfer from BP", robust, "transfer", "exact", False),
                ("random noise ε=0.01", robust, "random", "none", False)]
    elif task == "hashing":
        metric, robust = "map", "robust_map"
        cols = [("clean mAP@500", metric, None, None, True), ("with training's BN statistics", "map_running_bn", None, None, False),
                ("relaxed HAG ε=0.01, rule / exact", robust, "hag", ("rule", "exact"), False),
                ("SDHA ε=0.01, rule / exact", robust, "sdha", ("rule", "exact"), False),
                ("relaxed HAG ε=0.01 from BP", robust, "transfer", "exact", False),
                ("random noise ε=0.01", robust, "random", "none", False)]
    else: raise ValueError(f"first_look takes classification or hashing, not {task!r}")
    rows = []
    for rid in run_ids:
        r = m[m.run_id == rid]
        if not len(r): raise KeyError(f"run {rid} has no rows in study_metrics.csv")
        def one(name, attack, grad, ci):
            q = r[(r.metric == name) & ((r.attack == attack) & (r.grad == grad) & (r.eps == 0.01) if attack else True)]
            if len(q) != 1: raise KeyError(f"run {rid}: {len(q)} rows of {name} {attack or ''} {grad or ''}")
            q = q.iloc[0]
            return f"{100 * q.value:.1f}%" + (f" [{_pct(q.ci_low)}, {_pct(q.ci_high)}]" if ci else "")
        variant = r.variant.iloc[0]
        cells = []
        for head, name, attack, grad, ci in cols:
            if attack == "transfer" and variant == "BP": cells.append("(the source)"); continue
            cells.append(" / ".join(one(name, attack, g, ci) for g in grad) if isinstance(grad, tuple) else one(name, attack, grad, ci))
        rows.append([variant] + cells)
    return markdown([""] + [c[0] for c in cols], rows)

# ---- the PEPITA and Krotov-Hopfield studies: means (their intervals are in the CSVs) -------------------------------
MLP_ROWS = ["BP", "BP-MSE", "FA", "uSF", "frSF", "brSF", "DFA", "PEPITA",
            "BP+PGD-AT", "PEPITA+PGD-AT", "BP+FGSM-AT", "PEPITA+FGSM-AT"]

@table("mlp")
def mlp_table(results, dataset):
    "The PEPITA study on one dataset: clean, the paper's attack, AutoAttack's, the rule's gradient, Square, transfer."
    df = _csv("table_mlp_robustness", results, index_col=None)
    df = df[df.dataset == dataset].set_index("variant")
    if not len(df): raise ValueError(f"table_mlp_robustness.csv has no rows for dataset {dataset!r}")
    cols = [("clean", "clean"), ("PGD-40 MSE exact (the paper's)", "PGD-MSE exact ε=0.1 (paper)"),
            ("APGD-CE exact", "APGD-CE exact ε=0.1"), ("APGD-T exact", "APGD-T exact ε=0.1"),
            ("APGD-CE rule", "APGD-CE rule ε=0.1"), ("Square", "Square ε=0.1"), ("transfer from BP", "transfer from BP ε=0.1")]
    rows = [[v, str(n_seeds(df.loc[v, "clean"]))] +
            ["(the source)" if v == "BP" and k.startswith("transfer") else num(_col(df, k)[v])
             for _, k in cols] for v in MLP_ROWS if v in df.index]
    return markdown(["", "seeds", *[c for c, _ in cols]], rows)

KH_ROWS = ["KH", "KH-150ep", "random-W", "BP", "BP-pow4.5", "BP-L2", "BP-JReg", "BP-matched"]

@table("kh")
def kh_table(results):
    "The Krotov-Hopfield study: critical distances, APGD and Square, the spectrum's exponent, the Jacobian, convergence."
    a, m = _csv("table_kh_accuracy", results), _csv("table_kh_measures", results)
    def pair(df, k1, d1, k2, d2, v): return f"{num(df.loc[v, k1], d1)} / {num(df.loc[v, k2], d2)}"
    def pct(v):
        x = mean(m.loc[v, "converged units"], 3)
        return "" if x is None else f"{100 * x:.0f}%"
    rows = []
    for v in [v for v in KH_ROWS if v in a.index]:
        rows.append([v, str(n_seeds(a.loc[v, "accuracy"])), num(a.loc[v, "accuracy"]),
                     pair(m, "critical ‖Δx‖ pgd20", 2, "critical ‖Δx‖ pgd20 (unit-L3)", 3, v),
                     num(m.loc[v, "critical ‖Δx‖ gauss"]), num(a.loc[v, "APGD-CE exact ε=0.01"]),
                     num(a.loc[v, "APGD-CE exact ε=0.003"]), num(a.loc[v, "Square ε=0.01"]),
                     "(the source)" if v == "BP" else num(a.loc[v, "transfer ε=0.01"]),
                     pair(m, "α test", 2, "α noise", 2, v), num(m.loc[v, "‖∂z/∂x‖"]), pct(v)])
    return markdown(["", "seeds", "clean", "critical ‖Δx‖₂ PGD-20 (pixel / unit-L3)", "critical ‖Δx‖₂ noise (pixel)",
                     "APGD-CE ε=0.01", "APGD-CE ε=0.003", "Square ε=0.01", "transfer ε=0.01", "α test / noise",
                     "‖∂z/∂x‖", "units converged"], rows)

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

# ---- the verdict ---------------------------------------------------------------------------------------------------
@table("verdict")
def verdict_table(results):
    "One row per claim, as data/results/verdict.csv holds it."
    df = _csv("verdict", results)
    cols = ["paper", "claim", "paper's protocol", "measured on", "exact gradient (strongest)", "no gradient",
            "transfer from BP", "noise", "indicators passed", "verdict"]
    return markdown(cols, [["" if _missing(r[c]) else str(r[c]) for c in cols] for _, r in df.iterrows()])

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
    nb_text, readme = NB.read_text(), ROOT / "README.md"
    nb = fill_notebook(json.loads(nb_text))
    text = render(nb)
    if "--check" in sys.argv:
        if dump(nb) != nb_text:
            sys.exit("nbs/index.ipynb's tables differ from data/results: run `python tools/make_readme.py` and commit")
        if not readme.exists() or readme.read_text() != text:
            sys.exit("README.md is out of date: run `python tools/make_readme.py`")
    else:
        if dump(nb) != nb_text: NB.write_text(dump(nb))
        readme.write_text(text)
