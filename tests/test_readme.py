"""The README's result tables are written from data/results, never by hand: the committed README and pages agree with
the committed CSVs, a changed CSV changes the table, and bad markers fail with a message that names the fix."""
import json, subprocess, sys
import pandas as pd
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import make_readme as mr

def test_committed_readme_matches_the_results():
    "The README's test command runs the same check; here it also says which table is stale."
    for page in mr.PAGES:
        for cell in json.loads(page.read_text())["cells"]:
            for m in mr.MARK.finditer("".join(cell["source"])):
                assert mr.fill(m.group(0)) == m.group(0), f"{page.name}: the table {m.group(1)!r} differs from data/results"
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "make_readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_every_registered_table_is_on_a_page():
    md = "\n".join("".join(c["source"]) for p in mr.PAGES for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "markdown")
    names = {m.group(1).split()[0] for m in mr.MARK.finditer(md)}
    assert names == set(mr.TABLES), (names, set(mr.TABLES))

def test_markdown_on_a_hand_made_table():
    assert mr.markdown(["", "a"], [["x", "1"]]) == "|  | a |\n|---|---|\n| x | 1 |"

VERDICT = [dict(claim="X beats BP", paper="a paper (arXiv 1)", **{"paper's number": "90 vs 10 (Table 1)",
                "paper's protocol": "41.0 vs 0.0", "paper's protocol: difference": "+41.0 [+38.0, +44.0]",
                "exact gradient (strongest)": "0.0 vs 0.0", "exact gradient (strongest): difference": "+0.0 [+0.0, +0.0]",
                "no gradient": "3.0 vs 2.0", "no gradient: difference": "",
                "transfer from BP": "", "transfer from BP: difference": "", "verdict": "gradient masking"}),
           dict(claim="Y beats BP", paper="b paper", **{"paper's number": "", "verdict": "not measured"})]

@pytest.fixture
def results(tmp_path):
    pd.DataFrame(VERDICT).to_csv(tmp_path / "verdict.csv", index=False)
    pd.DataFrame([dict(study="mlp", runs=84, recorded=30, missing="BP (mnist)")]).to_csv(tmp_path / "coverage.csv", index=False)
    return tmp_path

def test_verdict_and_coverage_from_their_csvs(results):
    "Each cell is the paired difference, else the means, else blank; the verdict is bold; a changed CSV moves one row."
    t = mr.fill("<!-- table: verdict -->\n<!-- /table -->", results).splitlines()
    assert t[1] == "| claim | the paper | ours, the paper's protocol | ours, exact gradient | ours, no gradient | ours, transfer from BP | verdict |"
    assert t[3] == ("| a paper: X beats BP | 90 vs 10 (Table 1) | +41.0 [+38.0, +44.0] | +0.0 [+0.0, +0.0] | 3.0 vs 2.0 |  "
                    "| **gradient masking** |"), t[3]
    assert t[4] == "| b paper: Y beats BP |  |  |  |  |  | **not measured** |", t[4]
    v = pd.read_csv(results / "verdict.csv"); v.loc[1, "verdict"] = "holds"; v.to_csv(results / "verdict.csv", index=False)
    t2 = mr.fill("<!-- table: verdict -->\n<!-- /table -->", results).splitlines()
    assert [i for i, (a, b) in enumerate(zip(t, t2)) if a != b] == [4] and t2[4].endswith("| **holds** |")
    c = mr.fill("<!-- table: coverage -->\n<!-- /table -->", results).splitlines()
    assert c[1:-1] == ["| study | runs in the grid | in the record |", "|---|---|---|", "| `mlp` | 84 | 30 |"], c

def test_bad_markers_and_missing_results(results):
    with pytest.raises(KeyError, match="unknown README table 'nope'; the tables: .*verdict"):
        mr.fill("<!-- table: nope -->\n<!-- /table -->")
    with pytest.raises(ValueError, match="no `<!-- /table -->`"):
        mr.fill("<!-- table: verdict -->\n| a |\n")
    pd.DataFrame(VERDICT).drop(columns="verdict").to_csv(results / "verdict.csv", index=False)
    with pytest.raises(KeyError, match="verdict.csv has no column 'verdict'"):
        mr.fill("<!-- table: verdict -->\n<!-- /table -->", results)
    (results / "verdict.csv").unlink()
    with pytest.raises(FileNotFoundError, match="make summary"):
        mr.fill("<!-- table: verdict -->\n<!-- /table -->", results)
