"""Rebuild everything the record feeds, in place (`make summary`): nbs/tables.ipynb and nbs/figures.ipynb executed with
papermill and committed with their outputs, the CSVs of data/results, figures/*.png, then the README's tables.

The executed notebooks are cleaned so that a rebuild from the same rows changes nothing: no execution counts or
timings (papermill's and Jupyter's cell and notebook metadata go; a cell keeps its tags, `parameters` among them).

python tools/summary.py [--data-root DIR]
"""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from execute import clean_outputs, dump               # the chapters' outputs are committed the same way

NOTEBOOKS = [ROOT / "nbs" / "tables.ipynb", ROOT / "nbs" / "figures.ipynb"]

def clean(nb:dict, metadata:dict) -> dict:
    "The executed notebook without what changes from one execution to the next; `metadata`: the source's own."
    for c in nb["cells"]:
        tags = c.get("metadata", {}).get("tags") or []
        c["metadata"] = {"tags": tags} if tags else {}
        if c["cell_type"] == "code":
            c["execution_count"] = None
            c["outputs"] = clean_outputs(c.get("outputs", []))
            for o in c["outputs"]: o.get("metadata", {}).pop("execution", None)
    nb["metadata"] = metadata
    return nb

def run(path:Path, params:dict):
    import papermill as pm
    from signsym.run import IPCKernelManager           # the kernel's sockets in a folder of its own, as a run's
    source = json.loads(path.read_text())
    pm.execute_notebook(str(path), str(path), parameters=params, kernel_name="python3", progress_bar=False, cwd=str(ROOT / "nbs"),
                        kernel_manager_class=IPCKernelManager)
    nb = clean(json.loads(path.read_text()), source["metadata"])
    nb["cells"] = [c for c in nb["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    path.write_text(dump(nb))

if __name__ == "__main__":
    params = {}
    if "--data-root" in sys.argv: params["data_root"] = sys.argv[sys.argv.index("--data-root") + 1]
    import signsym.run                                 # every built-in system, so that the store's runs resolve
    from signsym.store import store_runs, runs_root
    def finished():
        "Each finished run of the store, with when its rows last changed (a redo keeps its id)."
        root = runs_root(params.get("data_root"))
        return {r: (root / r / "metrics.parquet").stat().st_mtime_ns for r in store_runs(params.get("data_root"))[0]}
    before = finished()
    for p in NOTEBOOKS:
        print(f"executing {p.relative_to(ROOT)}", flush=True)
        run(p, params)
    if finished() != before:                           # each notebook gathers the store on its own
        sys.exit("a run finished while make summary ran, so the notebooks may have read different records: "
                 "run make summary again (with no study run about to finish)")
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_readme.py")], check=True)
