"""Execute the chapters as nbdev_test does and keep what they show (`make outputs`); `--check` fails instead when an
execution's outputs differ from the committed ones, or a cell fails (`make test`).

A chapter is committed with its outputs (the tables and figures that show what it builds) so that a reader sees them
on GitHub, in JupyterLab and on the site. Outputs are kept the same on every execution: no execution counts, and no
stderr (progress bars, warnings with a machine's paths); everything else a cell shows must be deterministic, which
`--check` enforces. Notebooks with `skip_exec` in their front matter (tables, figures: `make summary` executes those)
and the run notebook (papermill's) are left as they are.

python tools/execute.py [--check] [--n_workers 2] [nbs/00_rules.ipynb ...]
"""
import json, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT / "nbs"

def chapters() -> list:
    return sorted(p for p in NBS.glob("*.ipynb") if p.stem[0].isdigit())

def dump(nb) -> str: return json.dumps(nb, indent=1, ensure_ascii=True) + "\n"

def clean_outputs(outputs) -> list:
    "A cell's outputs as committed: no stderr, no execution counts, plain dicts."
    out = []
    for o in outputs:
        o = json.loads(json.dumps(o))
        if o.get("output_type") == "stream" and o.get("name") == "stderr": continue
        if o.get("output_type") == "error": continue
        if "execution_count" in o: o["execution_count"] = None
        if isinstance(o.get("text"), str): o["text"] = o["text"].splitlines(keepends=True)
        for k, v in list(o.get("data", {}).items()):
            if isinstance(v, str) and not k.startswith("image/png"): o["data"][k] = v.splitlines(keepends=True)
        out.append(o)
    return out

def execute(path:Path) -> tuple:
    "(the notebook's JSON with fresh outputs, None) or (None, the error)."
    from nbdev.process import NBProcessor
    from nbdev.frontmatter import FrontmatterProc
    from nbdev.config import get_config
    from execnb.shell import CaptureShell
    from fastcore.xtras import working_directory
    os.environ["IN_TEST"] = "1"
    flags = set(get_config().tst_flags.split())
    raw = json.loads(path.read_text())
    nb = NBProcessor(path, procs=FrontmatterProc, process=True).nb
    if str(getattr(nb, "frontmatter_", {}).get("skip_exec", "")).lower() == "true": return raw, None

    def no_eval(cell):
        if cell.cell_type != "code": return True
        if "nbdev_export" + "(" in cell.source: return True
        d = getattr(cell, "directives_", {}) or {}
        if d.get("eval:", [""])[0].lower() == "false": return True
        return flags & d.keys()

    k = CaptureShell(path)
    try:
        with working_directory(path.parent): k.run_all(nb, exc_stop=True, preproc=no_eval)
    except Exception:
        return None, k.prettytb(fname=path)
    done = [c for c in nb.cells if c.cell_type == "code"]
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    by_source = {}
    for c in done: by_source.setdefault(c.source, []).append(c)
    for c in code:                                              # the processed cells, matched by their source, in order
        src = "".join(c["source"])
        got = by_source.get(src, [])
        c["outputs"] = clean_outputs(got.pop(0).get("outputs", [])) if got else []
        c["execution_count"] = None
    return raw, None

def _one(path):
    t = time.time()
    nb, err = execute(Path(path))
    return path, (dump(nb) if nb is not None else None), err, time.time() - t

def main(argv):
    check = "--check" in argv
    n = int(argv[argv.index("--n_workers") + 1]) if "--n_workers" in argv else 2
    paths = [Path(a).resolve() for a in argv if a.endswith(".ipynb")] or chapters()
    failed, stale = [], []
    import multiprocessing as mp                               # a fresh process per notebook: running one replaces __main__
    with ProcessPoolExecutor(n, mp_context=mp.get_context("spawn"), max_tasks_per_child=1) as ex:
        for path, text, err, took in ex.map(_one, [str(p) for p in paths]):
            path = Path(path); name = path.relative_to(ROOT)
            if err is not None: failed.append(f"{name}:\n{err}"); print(f"FAILED {name} ({took:.0f} s)", flush=True); continue
            if text != path.read_text():
                if check: stale.append(str(name))
                else: path.write_text(text)
            print(f"{'stale' if check and str(name) in stale else 'ok'} {name} ({took:.0f} s)", flush=True)
    for f in failed: sys.stderr.write(f + "\n")
    if stale: sys.stderr.write("outputs differ from the committed ones (run `make outputs` and commit, or find what is not "
                               "deterministic): " + ", ".join(stale) + "\n")
    return 1 if failed or stale else 0

if __name__ == "__main__": sys.exit(main(sys.argv[1:]))
