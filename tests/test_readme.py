"""The README's result tables are written from data/results, never by hand: the committed README agrees with the
committed CSVs, a changed CSV changes the table, and bad markers fail with a message that names the fix."""
import json, shutil, subprocess, sys
import pandas as pd
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import make_readme as mr

def test_committed_readme_matches_the_results():
    "The README's test command runs the same check; here it also says which table is stale."
    nb = json.loads(mr.NB.read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        for m in mr.MARK.finditer(src):
            assert mr.fill(m.group(0)) == m.group(0), f"the README table {m.group(1)!r} differs from data/results"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "make_readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_every_registered_table_is_in_the_readme():
    md = "\n".join("".join(c["source"]) for c in json.loads(mr.NB.read_text())["cells"] if c["cell_type"] == "markdown")
    names = {m.group(1).split()[0] for m in mr.MARK.finditer(md)}
    assert names == set(mr.TABLES), (names, set(mr.TABLES))

def test_cells_on_hand_written_values():
    assert mr.marked("43.0 ± 1.2 (3 seeds)") == "43.0 ± 1.2"
    assert mr.marked("40.0 ± 38.1 (2 seeds)") == "40.0 ± 38.1 (2)"
    assert mr.marked(float("nan")) == "" and mr.marked("28/30") == "28/30"
    assert mr.bare("41.3 [38.3, 44.4] (1 seed)") == "41.3" and mr.bare("0.0 ± 0.0 (2 seeds)") == "0.0 ± 0.0"
    assert mr.plain("41.3 [38.3, 44.4] (1 seed)") == "41.3 [38.3, 44.4]" and mr.plain("1.0 ± 0.2 (3 seeds)") == "1.0 ± 0.2"
    assert mr.n_seeds("41.3 [38.3, 44.4] (1 seed)") == 1 and mr.n_seeds("0.2 ± 0.1 (3 seeds)") == 3
    assert mr.num("-40.229 ± 8.875 (3 seeds)", 2) == "-40.23" and mr.num("0.196 ± 0.007 (3 seeds)", 3) == "0.196"
    assert mr.markdown(["", "a"], [["x", "1"]]) == "|  | a |\n|---|---|\n| x | 1 |"
    with pytest.raises(ValueError, match="not a number"): mr.mean("(frozen)")

@pytest.fixture
def results(tmp_path):
    d = tmp_path / "results"; shutil.copytree(ROOT / "data" / "results", d)
    return d

def test_a_changed_row_changes_its_table(results):
    "Edit one cell of the Lite1 CSV and of the verdict: the filled tables carry the new values, nothing else moves."
    t5 = pd.read_csv(results / "table5_robust_accuracy_efficientnet_lite1.csv", index_col=0)
    t5.loc["FA", "pgd rule ε=0.01"] = "12.3 [8.1, 17.6] (1 seed)"
    t5.to_csv(results / "table5_robust_accuracy_efficientnet_lite1.csv")
    v = pd.read_csv(results / "verdict.csv", index_col=0)
    v.iloc[0, v.columns.get_loc("verdict")] = "a verdict no run gave"
    v.to_csv(results / "verdict.csv")
    text = "x\n<!-- table: lite efficientnet_lite1 -->\nstale\n<!-- /table -->\ny\n<!-- table: verdict -->\n<!-- /table -->\n"
    old, new = mr.fill(text), mr.fill(text, results)
    assert old.startswith("x\n<!-- table: lite efficientnet_lite1 -->\n|  | seeds | clean |") and "stale" not in old
    fa = [l for l in new.splitlines() if l.startswith("| FA |")][0].split(" | ")
    assert fa[3] == "12.3", fa                                           # one seed: the value alone
    assert "| a verdict no run gave |" in new and "| a verdict no run gave |" not in old
    changed = [(a, b) for a, b in zip(old.splitlines(), new.splitlines()) if a != b]
    assert len(changed) == 2, changed

def test_bad_markers_and_missing_results(results):
    with pytest.raises(KeyError, match="unknown README table 'nope'; the tables: .*verdict"):
        mr.fill("<!-- table: nope -->\n<!-- /table -->")
    with pytest.raises(ValueError, match="no `<!-- /table -->`"):
        mr.fill("<!-- table: verdict -->\n| a |\n")
    (results / "verdict.csv").unlink()
    with pytest.raises(FileNotFoundError, match="make summary"):
        mr.fill("<!-- table: verdict -->\n<!-- /table -->", results)
    with pytest.raises(ValueError, match="no rows for dataset 'svhn'"):
        mr.fill("<!-- table: mlp svhn -->\n<!-- /table -->", results)

def test_first_look_reads_single_runs_from_the_rows(tmp_path):
    "A hand-made run's rows: its cells, its Wilson bounds, the source's transfer column, and an unknown run."
    rows = [dict(run_id="r1", variant="uSF", metric="accuracy", attack=None, grad=None, eps=None, value=0.632,
                 ci_low=0.6017, ci_high=0.6613)]
    for attack, grad, v in [("pgd", "rule", 0.52), ("pgd", "exact", 0.0), ("transfer", "exact", 0.025), ("random", "none", 0.495),
                            ("pgd", "rule", 0.9)]:
        rows.append(dict(run_id="r1", variant="uSF", metric="robust_accuracy", attack=attack, grad=grad,
                         eps=0.05 if v == 0.9 else 0.01, value=v, ci_low=0.0 if v == 0 else v - 0.07, ci_high=0.0189))
    pd.DataFrame(rows).to_csv(tmp_path / "study_metrics.csv", index=False)
    t = mr.fill("<!-- table: first_look classification r1 -->\n<!-- /table -->", tmp_path).splitlines()
    assert t[3] == "| uSF | 63.2% [60.2, 66.1] | 52.0% [45.0, 1.9] | 0.0% [0, 1.9] | 2.5% | 49.5% |", t[3]
    with pytest.raises(KeyError, match="run nope has no rows"):
        mr.fill("<!-- table: first_look classification nope -->\n<!-- /table -->", tmp_path)
    with pytest.raises(KeyError, match="0 rows of map"):
        mr.fill("<!-- table: first_look hashing r1 -->\n<!-- /table -->", tmp_path)
