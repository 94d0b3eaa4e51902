"""The sweep on 2 Dask workers over loopback, a failing run among finishing ones, and the summary notebooks."""
import subprocess, sys
from pathlib import Path
import pandas as pd
import papermill as pm
import pytest
import yaml
from conftest import ROOT, TINY
from signsym.sweep import sweep, expand_grid, missing_inputs
from signsym.store import run_dir, is_done, read_metrics

pytestmark = pytest.mark.slow

def tiny_grid(data_dir):
    return dict(tasks=["classification"], rules=["BP", "uSF"], seeds=[0], overrides={**TINY, "data_root": str(data_dir)},
                # a run that passes validation but cannot start: a training set larger than CIFAR-10's
                extra=[dict(rules=["FA"], overrides={"train_size": 10**6, "attacks": ["fgsm"]})])

@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    from conftest import CIFAR
    data_dir = tmp_path_factory.mktemp("store"); (data_dir / "cifar10").symlink_to(CIFAR)
    grid = tiny_grid(data_dir)
    first = sweep(grid, workers=2, progress=False)
    return data_dir, grid, first

def test_sweep_on_two_dask_workers(swept):
    data_dir, grid, first = swept
    st = first.set_index("rule").status
    assert st["BP"] == "done" and st["uSF"] == "done" and st["FA"] == "failed", first
    assert "1000000" in first.set_index("rule").error["FA"]
    cfgs = {c["rule"]: c for c in expand_grid(grid)}
    assert is_done(run_dir(cfgs["BP"])) and is_done(run_dir(cfgs["uSF"]))
    assert (run_dir(cfgs["FA"]) / "run_experiment.ipynb").exists()           # the failed notebook is kept
    assert read_metrics(run_dir(cfgs["uSF"])).query("attack == 'transfer'").shape[0] > 0
    again = sweep(grid, workers=2, progress=False)                          # a second invocation
    st2 = again.set_index("rule").status
    assert st2["BP"] == "skipped" and st2["uSF"] == "skipped" and st2["FA"] == "failed"

def test_cli_dry_run_and_bad_grid(swept, tmp_path):
    data_dir, grid, _ = swept
    f = tmp_path / "grid.yaml"; f.write_text(yaml.safe_dump(grid))
    cli = str(Path(sys.executable).parent / "signsym-sweep")
    out = subprocess.run([cli, str(f), "--dry-run"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.count("done") == 2 and out.stdout.count("to run") == 1, out.stdout
    bad = tmp_path / "bad.yaml"; bad.write_text(yaml.safe_dump({**grid, "rules": ["BP", "sgn"]}))
    out = subprocess.run([cli, str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "valid rules" in out.stderr

def test_summary_notebooks(swept, tmp_path):
    data_dir, grid, _ = swept
    f = tmp_path / "grid.yaml"; f.write_text(yaml.safe_dump(grid))
    res, figs = tmp_path / "results", tmp_path / "figures"
    pm.execute_notebook(str(ROOT / "nbs" / "tables.ipynb"), str(tmp_path / "tables.ipynb"), cwd=str(ROOT),
                        parameters=dict(data_root=str(data_dir), results=str(res), studies=str(f)), progress_bar=False)
    study = pd.read_csv(res / "study_metrics.csv")
    assert set(study.variant) == {"BP", "uSF"} and study.run_id.nunique() == 2
    t1 = pd.read_csv(res / "table1_clean_accuracy.csv", index_col=0)
    assert list(t1.index) == ["BP", "uSF"]
    assert any(c.startswith("paper resnet18") for c in t1.columns)
    t5 = pd.read_csv(res / "table5_robust_accuracy.csv", index_col=0)
    assert "pgd exact ε=0.01" in t5.columns and "masking checks passed" in t5.columns
    assert not (res / "table3_boundary.csv").exists()                         # not measured: said, not written
    cov = pd.read_csv(res / "coverage.csv", index_col=0).loc["grid"]             # the grid's 3 runs, 2 recorded, FA missing
    assert (cov.runs, cov.recorded) == (3, 2) and cov.missing == "FA (cifar10)", cov
    pm.execute_notebook(str(ROOT / "nbs" / "figures.ipynb"), str(tmp_path / "figures.ipynb"), cwd=str(ROOT),
                        parameters=dict(data_root=str(data_dir), results=str(res), figures=str(figs)), progress_bar=False)
    assert (figs / "robustness_classification.png").stat().st_size > 10_000 and (figs / "clean.png").exists()
    assert not (figs / "robustness_hashing.png").exists()

def test_study_resumes_on_another_machine(swept, tmp_path):
    "The committed record (rows + configs) stands in for run folders a fresh machine does not have."
    data_dir, grid, _ = swept
    res = tmp_path / "results"
    pm.execute_notebook(str(ROOT / "nbs" / "tables.ipynb"), str(tmp_path / "a.ipynb"), cwd=str(ROOT), progress_bar=False,
                        parameters=dict(data_root=str(data_dir), results=str(res), studies="finetune"))
    fresh = tmp_path / "fresh"; (fresh / "cifar10").mkdir(parents=True)     # another machine: no runs, no data
    other = {**grid, "overrides": {**grid["overrides"], "data_root": str(fresh)}}
    fa = [c for c in expand_grid(other) if c["rule"] == "FA"]                # the one run to do needs data that is not there
    miss = missing_inputs(fa); assert len(miss) == 1 and miss[0].startswith(f"dataset cifar10 ({fresh / 'cifar10'})"), miss
    again = sweep(other, progress=False, echo=None, recorded=res / "study_metrics.csv",
                  check_inputs=False).set_index("rule")                    # (left to the run: no unzipping here)
    assert again.status["BP"] == again.status["uSF"] == "recorded", again
    assert again.status["FA"] == "failed"                                    # never recorded: it is attempted
    assert not (fresh / "runs" / again.run_id["BP"]).exists()
    before = pd.read_csv(res / "table1_clean_accuracy.csv", index_col=0)
    pm.execute_notebook(str(ROOT / "nbs" / "tables.ipynb"), str(tmp_path / "b.ipynb"), cwd=str(ROOT), progress_bar=False,
                        parameters=dict(data_root=str(fresh), results=str(res), studies="finetune"))
    pd.testing.assert_frame_equal(pd.read_csv(res / "table1_clean_accuracy.csv", index_col=0), before)
    assert "2 runs, " in (tmp_path / "b.ipynb").read_text()                # no run folders here: the committed record's 2
