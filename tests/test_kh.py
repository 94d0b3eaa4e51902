"""End-to-end: the Krotov-Hopfield system through signsym-run (KH on CIFAR-10, its BP transfer source run first),
offline, writing the usual rows plus the spectrum and critical-distance rows; bad KH settings fail before training."""
import json
import pytest
from conftest import run_ok, fails_before_training
from signsym.store import run_dir, read_metrics
from signsym.pipeline import source_config

pytestmark = pytest.mark.slow
SMALL = dict(train_size=1000, val_size=200, eval_size=200, kh_hidden=100, kh_epochs=2, epochs=10, attack_size=20,
             apgd_steps=5, square_queries=20, epsilons="[0.0,0.01]")


def test_kh_from_the_command_line(data_dir):
    cfg, _ = run_ok({**SMALL, "rule": "KH", "dataset": "cifar10", "data_root": data_dir})
    assert cfg["backbone"] == "kh"                                            # defaulted: the one system that trains KH
    m = read_metrics(run_dir(cfg))
    assert (m.rule == "KH").all() and m.backbone.eq("kh").all()
    robust = m[m.metric == "robust_accuracy"]
    assert {("apgd-ce", "exact"), ("square", "none"), ("transfer", "exact"), ("random", "none")} <= set(zip(robust.attack, robust.grad))
    crit = m[m.metric == "critical_l2"]
    assert set(crit.attack) == {"gauss", "fgsm", "pgd20"} and (crit.value > 0).all()
    assert {"spectrum_alpha", "critical_l2_normalized", "kh_converged_fraction", "jacobian_logits", "val_accuracy",
            "check_robust_le_clean", "indicator_unbounded_failure"} <= set(m.metric)
    assert (run_dir(cfg) / "outcomes.parquet").exists()
    acc = m[m.metric == "accuracy"].value.item()
    assert 0.15 < acc <= 1                                                    # above chance (10 classes, 200 images)
    assert json.loads((run_dir(cfg) / "status.json").read_text())["threads"] >= 1
    bp = run_dir(source_config(cfg))
    assert json.loads((bp / "config.json").read_text())["rule"] == "BP"
    assert (bp / "status.json").exists()                                       # the transfer source ran first

def test_bad_kh_input_fails_before_training(tmp_path):
    fails_before_training(tmp_path, (({"rule": "KH", "kh_k": 1}, "kh_k must be an integer >= 2"),
                                     ({"rule": "KH", "kh_delta": 1.5}, "kh_delta must be a number in [0, 1]"),
                                     ({"rule": "KH", "backbone": "mlp"}, "KH is trained by the kh system")))
