"""Rebuild everything the record feeds, in place (`make summary`): nbs/tables.ipynb and nbs/figures.ipynb executed with
papermill and committed with their outputs, the CSVs of data/results, figures/*.png, then the README's tables.

The executed notebooks are cleaned so that a rebuild from the same rows changes nothing: no execution counts or
timings (papermill's and Jupyter's cell and notebook metadata go; a cell keeps its tags, `parameters` among them).

python tools/summary.py [--data-root DIR]
"""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = [ROOT / "nbs" / "tables.ipynb", ROOT / "nbs" / "figures.ipynb"]

def clean(nb:dict, metadata:dict) -> dict:
    "The executed notebook without what changes from one execution to the next; `metadata`: the source's own."
    for c in nb["cells"]:
        tags = c.get("metadata", {}).get("tags") or []
        c["metadata"] = {"tags": tags} if tags else {}
        if c["cell_type"] == "code":
            c["execution_count"] = None
            for o in c.get("outputs", []):
                if "execution_count" in o: o["execution_count"] = None
                o.get("metadata", {}).pop("execution", None)
    nb["metadata"] = metadata
    return nb

def run(path:Path, params:dict):
    import papermill as pm
    source = json.loads(path.read_text())
    pm.execute_notebook(str(path), str(path), parameters=params, kernel_name="python3", progress_bar=False, cwd=str(ROOT / "nbs"))
    nb = clean(json.loads(path.read_text()), source["metadata"])
    nb["cells"] = [c for c in nb["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=True) + "\n")

if __name__ == "__main__":
    params = {}
    if "--data-root" in sys.argv: params["data_root"] = sys.argv[sys.argv.index("--data-root") + 1]
    for p in NOTEBOOKS:
        print(f"executing {p.relative_to(ROOT)}", flush=True)
        run(p, params)
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_readme.py")], check=True)
