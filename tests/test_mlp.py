"""End-to-end: the MLP system through signsym-run (PEPITA on MNIST, its BP transfer source run first) and DFA,
offline, writing the usual rows and the masking indicators; bad input fails before training."""
import json
import pandas as pd
import pytest
from conftest import run_ok, fails_before_training
from signsym.config import resolve_config
from signsym.store import run_dir, read_metrics

pytestmark = pytest.mark.slow
SMALL = dict(train_size=3000, val_size=500, eval_size=500, epochs=2, attack_size=40, apgd_steps=10, apgd_targets=2, tpgd_steps=3,
             square_queries=40, epsilons="[0.0,0.1]")


def test_pepita_and_dfa_from_the_command_line(data_dir):
    for rule in ("PEPITA", "DFA"):
        cfg, out = run_ok({**SMALL, "rule": rule, "dataset": "mnist", "data_root": data_dir})
        assert "epoch 1" in out.stdout and "attacks done" in out.stdout          # progress as it works
        m = read_metrics(run_dir(cfg))
        assert (m.rule == rule).all() and m.backbone.eq("mlp").all()
        robust = m[m.metric == "robust_accuracy"]
        assert {("pgd-mse", "rule"), ("pgd-mse", "exact"), ("apgd-ce", "exact"), ("apgd-t", "rule"), ("square", "none"),
                ("transfer", "exact"), ("random", "none")} <= set(zip(robust.attack, robust.grad))
        assert {"zero_grad_float32", "zero_grad_float64", "val_accuracy", "grad_cosine", "loss_gain",
                "indicator_silent_success", "check_indicator_unbounded_failure", "check_robust_le_clean"} <= set(m.metric)
        assert (m[m.metric == "check_robust_le_clean"].value == 1).all()
        oc = pd.read_parquet(run_dir(cfg) / "outcomes.parquet")                   # per-image outcomes beside the rows
        assert {"clean", "gradient", "pgd-mse", "apgd-ce"} <= set(oc.attack) and oc.image.nunique() == SMALL["attack_size"]
        assert m[m.metric == "accuracy"].value.item() > 0.8
        st = json.loads((run_dir(cfg) / "status.json").read_text())
        assert st["torch"] and st["threads"] >= 1
    bp = run_dir(resolve_config(**{**SMALL, "rule": "BP", "dataset": "mnist", "data_root": str(data_dir),
                                   "epsilons": [0.0, 0.1]}, backbone="mlp"))
    assert (bp / "status.json").exists()                                       # the transfer source ran first

def test_bad_mlp_input_fails_before_training(tmp_path):
    fails_before_training(tmp_path, (({"rule": "PEPITA", "backbone": "resnet18"}, "PEPITA is trained by the mlp system"),
                                     ({"rule": "PEPITA", "adv_train": "pgd", "adv_eps": 1.5}, "adv_eps must be a number in [0, 1]"),
                                     ({"rule": "PEPITA", "adv_train": "free"}, "valid adv_trains: none, fgsm, pgd"),
                                     ({"rule": "DFA", "dataset": "mnist"}, ("make data", "mnist-idx.zip"))))
