"""End-to-end: nbs/run_experiment.ipynb through papermill and the signsym-run command, on a tiny config."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd
import papermill as pm
import pytest
from conftest import ROOT, TINY
from signsym.store import ROW_KEYS, run_dir, read_metrics
from signsym.run import execute_run
from signsym.config import resolve_config, run_id

pytestmark = pytest.mark.slow
RUN_CMD = [str(Path(sys.executable).parent / "signsym-run")]

def cli_args(cfg_over):
    return [a for k, v in cfg_over.items() for a in (f"--{k}", str(v))]

@pytest.mark.parametrize("rule", ["BP", "uSF"])
def test_run_writes_tidy_results(data_dir, rule):
    cfg = resolve_config(rule=rule, data_root=str(data_dir), **TINY)
    rdir = execute_run(cfg, progress=False)
    assert rdir == run_dir(cfg) and rdir.name == run_id(cfg)
    for f in ("config.json", "checkpoint.pt", "history.parquet", "metrics.parquet", "status.json",
              "run_experiment.ipynb", "training_curve.png"):
        assert (rdir / f).is_file(), f
    m = pd.read_parquet(rdir / "metrics.parquet")
    assert list(m.columns) == list(ROW_KEYS)
    assert (m.rule == rule).all() and (m.run_id == run_id(cfg)).all()
    clean = m[m.metric.isin(["accuracy", "accuracy_running_bn"])]
    assert sorted(clean.metric) == ["accuracy", "accuracy_running_bn"] and (clean.n == TINY["eval_size"]).all()
    acc = m[m.metric.isin(["accuracy", "accuracy_running_bn", "robust_accuracy"])]
    assert ((acc.ci_low <= acc.value) & (acc.value <= acc.ci_high)).all()
    assert ((acc.value * acc.n).round(6) % 1 == 0).all()                     # k/n with whole k
    robust = m[m.metric == "robust_accuracy"]
    curves = set(zip(robust.attack, robust.grad))
    assert curves == {("fgsm", "rule"), ("fgsm", "exact"), ("pgd", "rule"), ("pgd", "exact"), ("transfer", "exact"),
                      ("random", "none")}, curves
    assert (robust.n == TINY["attack_size"]).all() and sorted(robust.eps.unique()) == TINY["epsilons"]
    assert robust[robust.eps == 0].value.nunique() == 1                      # every attack at ε=0: clean accuracy
    assert {"grad_cosine", "grad_sign_agreement", "grad_norm_ratio", "attack_time_s"} <= set(m.metric)
    assert m.metric.str.startswith("check_").any() and (rdir / "robustness.png").is_file()
    piv = robust.pivot_table(index="eps", columns=["attack", "grad"], values="value")
    if rule == "BP":                                                         # rule and exact gradients coincide
        assert piv[("pgd", "rule")].equals(piv[("pgd", "exact")]) and piv[("fgsm", "rule")].equals(piv[("fgsm", "exact")])
        assert piv[("transfer", "exact")].equals(piv[("pgd", "exact")])
    else:                                                                    # transfer needed the BP run: trained first
        bp_dir = run_dir(resolve_config(rule="BP", data_root=str(data_dir), **TINY))
        assert (bp_dir / "status.json").is_file()
        cos = m[(m.metric == "grad_cosine")].value.item()
        assert cos < 0.99, cos
    h = pd.read_parquet(rdir / "history.parquet")
    assert h.epoch.tolist() == [1, 2] and h.train_loss.notna().all()
    assert json.loads((rdir / "config.json").read_text())["rule"] == rule

def test_finished_run_is_reused(data_dir):
    cfg = resolve_config(data_root=str(data_dir), **{**TINY, "epochs": 1})
    rdir = execute_run(cfg, progress=False)
    stamp = (rdir / "checkpoint.pt").stat().st_mtime_ns
    out = subprocess.run(RUN_CMD + cli_args({**TINY, "epochs": 1, "data_root": data_dir}), cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "already finished" in out.stdout and "accuracy" in out.stdout
    assert (rdir / "checkpoint.pt").stat().st_mtime_ns == stamp

def test_training_is_shared_across_attack_settings(data_dir):
    first = resolve_config(data_root=str(data_dir), **{**TINY, "epochs": 1, "attacks": "fgsm,random"})
    a = execute_run(first, progress=False)
    # other attacks and no BatchNorm recalibration: another run, the same training
    second = resolve_config(data_root=str(data_dir), **{**TINY, "epochs": 1, "attacks": "pgd,random", "bn_recalibrate": 0})
    assert run_id(second) != run_id(first)
    b = execute_run(second, progress=False)
    assert json.loads((a / "status.json").read_text())["trained_by"] == a.name
    assert json.loads((b / "status.json").read_text())["trained_by"] == a.name
    assert (b / "checkpoint.pt").read_bytes() == (a / "checkpoint.pt").read_bytes()
    # the history, epoch times included, is the first run's: nothing was trained again
    pd.testing.assert_frame_equal(pd.read_parquet(b / "history.parquet"), pd.read_parquet(a / "history.parquet"))
    ma, mb = (read_metrics(d).set_index(["metric", "attack", "grad", "eps"]).value for d in (a, b))
    key = ("accuracy_running_bn", "none", "none", 0.0)
    assert ma[key] == mb[key]                                                # the same network
    assert mb[("accuracy", "none", "none", 0.0)] == mb[key]                  # bn_recalibrate=0: nothing recalibrated
    assert set(mb.loc["robust_accuracy"].index.get_level_values("attack")) == {"pgd", "random"}

def test_killed_run_resumes_to_the_same_numbers(tmp_path, data_dir):
    over = {**TINY, "rule": "brSF", "epochs": 3, "train_size": 200, "image_size": 48, "attacks": "fgsm,random"}
    # an uninterrupted run in another data root
    other = tmp_path / "other"; other.mkdir(); (other / "cifar10").symlink_to(data_dir / "cifar10")
    ref = read_metrics(execute_run(resolve_config(data_root=str(other), **over), progress=False))
    # the same run, killed (SIGKILL, the whole process group) once its first checkpoint exists
    cfg = resolve_config(data_root=str(data_dir), **over); rdir = run_dir(cfg)
    p = subprocess.Popen(RUN_CMD + cli_args({**over, "data_root": data_dir}), cwd=ROOT, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (rdir / "checkpoint.pt").exists() and time.time() < deadline and p.poll() is None: time.sleep(0.05)
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    assert (rdir / "checkpoint.pt").exists(), "the run never wrote its first checkpoint"
    assert not (rdir / "status.json").exists(), "the run finished before it could be killed: make it longer"
    hist = pd.read_parquet(rdir / "history.parquet")
    assert len(hist) < 3
    # started again: resumes and ends with the uninterrupted run's numbers, bit for bit
    got = read_metrics(execute_run(cfg, progress=False))
    key = ["metric", "attack", "grad", "eps"]
    measured = lambda d: d[d.metric != "attack_time_s"].sort_values(key).reset_index(drop=True)   # wall times differ
    a, b = measured(ref), measured(got)
    assert len(a) > 10 and set(a.metric) >= {"accuracy", "robust_accuracy", "grad_cosine"}
    pd.testing.assert_frame_equal(a.drop(columns="run_id"), b.drop(columns="run_id"), check_exact=True)
    h_ref = pd.read_parquet(run_dir(resolve_config(data_root=str(other), **over)) / "history.parquet")
    h_got = pd.read_parquet(rdir / "history.parquet")
    pd.testing.assert_frame_equal(h_ref.drop(columns="time_s"), h_got.drop(columns="time_s"), check_exact=True)

def test_bad_parameters_fail_fast(data_dir, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as e:
        pm.execute_notebook(str(ROOT / "nbs" / "run_experiment.ipynb"), str(tmp_path / "bad.ipynb"),
                            parameters=dict(rule="sign", data_root=str(data_dir)), progress_bar=False, cwd=str(ROOT))
    assert "valid rules: BP, FA, uSF, frSF, brSF" in str(e.value)
    nb = json.loads((tmp_path / "bad.ipynb").read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    failed = [i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert failed and failed[0] <= 3, failed             # the parameters, the injected parameters, the config cell
    assert not (data_dir / "runs").exists()              # nothing was created
    # the command line refuses before starting a notebook at all
    out = subprocess.run(RUN_CMD + ["--backbone", "resnet50"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and "valid backbones: alexnet, vgg16, resnet18, efficientnet_lite0" in out.stderr
    out = subprocess.run(RUN_CMD + ["--epoch", "3"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and "unknown setting(s) epoch" in out.stderr
    out = subprocess.run(RUN_CMD + ["--epsilons", "[0.01, 8]"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and "epsilons must be numbers in [0, 1]" in out.stderr
    out = subprocess.run(RUN_CMD + ["--attacks", "pgd,cw"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and "valid attacks: fgsm, pgd, transfer, random, hopskipjump, boundary" in out.stderr

def test_missing_dataset_fails_before_training(tmp_path):
    cfg = resolve_config(data_root=str(tmp_path), **TINY)
    with pytest.raises(pm.PapermillExecutionError) as e: execute_run(cfg, progress=False)
    assert "CIFAR-10 not found" in str(e.value) and "make data" in str(e.value)
    assert not (run_dir(cfg) / "checkpoint.pt").exists()

TINY_HASH = {**TINY, "task": "hashing", "database_size": 100, "map_k": 50}

@pytest.mark.parametrize("rule", ["BP", "uSF"])
def test_hashing_run(data_dir, rule):
    cfg = resolve_config(rule=rule, data_root=str(data_dir), **TINY_HASH)
    rdir = execute_run(cfg, progress=False)
    m = read_metrics(rdir)
    assert (m.task == "hashing").all()
    clean = m[m.metric.isin(["map", "map_running_bn"])]
    assert sorted(clean.metric) == ["map", "map_running_bn"] and (clean.n == TINY["eval_size"]).all()
    assert ((clean.value >= 0) & (clean.value <= 1)).all()
    robust = m[m.metric == "robust_map"]
    curves = set(zip(robust.attack, robust.grad))
    assert curves == {("hag", "rule"), ("hag", "exact"), ("sdha", "rule"), ("sdha", "exact"), ("transfer", "exact"),
                      ("random", "none")}, curves
    assert (robust.n == TINY["attack_size"]).all() and sorted(robust.eps.unique()) == TINY["epsilons"]
    assert robust[robust.eps == 0].value.nunique() == 1                      # ε = 0: the clean mAP of the queries
    flips = m[m.metric == "code_flip_rate"].set_index(["attack", "grad", "eps"]).value
    assert (flips.xs(0.0, level="eps") == 0).all() and flips["hag", "exact", 0.5] > 0.2
    assert {"grad_cosine", "attack_time_s", "check_monotone", "check_beats_random"} <= set(m.metric)
    assert (rdir / "robustness.png").is_file()
    piv = robust.pivot_table(index="eps", columns=["attack", "grad"], values="value")
    if rule == "BP":
        assert piv[("hag", "rule")].equals(piv[("hag", "exact")]) and piv[("sdha", "rule")].equals(piv[("sdha", "exact")])
        assert piv[("transfer", "exact")].equals(piv[("hag", "exact")])
        assert run_id(cfg) != run_id(resolve_config(rule="BP", data_root=str(data_dir), **TINY))   # not the classifier
    else:
        bp_dir = run_dir(resolve_config(rule="BP", data_root=str(data_dir), **TINY_HASH))
        assert (bp_dir / "status.json").is_file() and read_metrics(bp_dir).metric.eq("map").any()

def test_hashing_run_selects_on_validation_map(data_dir):
    "select_best (the authors' model selection, the paper preset's on CIFAR-10): validation mAP after every epoch."
    cfg = resolve_config(data_root=str(data_dir), **{**TINY_HASH, "epochs": 3, "attacks": "random", "select_best": True})
    rdir = execute_run(cfg, progress=False)
    hist = pd.read_parquet(rdir / "history.parquet")
    assert len(hist) == 3 and hist.select_score.between(0, 1).all()         # 1,000 validation queries, every epoch
    nb = (rdir / "run_experiment.ipynb").read_text()
    best = int(hist.select_score.to_numpy().argmax()) + 1                  # the first epoch with the top score
    assert f"selected epoch {best}" in nb
    assert run_id(cfg) != run_id(resolve_config(data_root=str(data_dir), **{**TINY_HASH, "epochs": 3, "attacks": "random"}))
