"""End-to-end: the SoftHebb system through signsym-run (SoftHebb on MNIST, its BP-ReLU transfer source run first),
offline, writing the usual rows plus its masking indicators; bad SoftHebb settings fail before training."""
import json
import pytest
from conftest import run_ok, fails_before_training
from signsym.store import run_dir, read_metrics
from signsym.pipeline import source_config

pytestmark = pytest.mark.slow
SMALL = dict(train_size=2000, val_size=200, eval_size=200, sh_hidden=100, epochs=3, attack_size=20, apgd_steps=5,
             square_queries=20, fmn_steps=10, epsilons="[0.0,0.1]")


def test_softhebb_from_the_command_line(data_dir):
    cfg, _ = run_ok({**SMALL, "rule": "SoftHebb", "data_root": data_dir})
    assert (cfg["backbone"], cfg["dataset"]) == ("softhebb", "mnist")        # defaulted: the system that trains it
    m = read_metrics(run_dir(cfg))
    assert (m.rule == "SoftHebb").all()
    robust = m[m.metric == "robust_accuracy"]
    assert {("pgd", "exact"), ("apgd-t", "exact"), ("square", "none"), ("transfer", "exact"), ("random", "none"),
            ("fmn", "exact")} <= set(zip(robust.attack, robust.grad))
    pgd = robust[robust.attack == "pgd"].set_index(["grad", "eps"]).value
    assert pgd.loc["rule"].equals(pgd.loc["exact"])                          # no gradient of its own: the rule's is exact's
    assert {"hidden_saturated", "hidden_top_share", "unit_norm_median", "zero_grad_float32", "val_accuracy"} <= set(m.metric)
    assert m[m.metric == "unit_norm_median"].value.item() < 35               # the rule moved the units from the start
    acc = m[m.metric == "accuracy"].value.item()
    assert 0.3 < acc <= 1                                                     # above chance (10 classes, 200 images)
    src = json.loads((run_dir(source_config(cfg)) / "config.json").read_text())
    assert (src["rule"], src["sh_activation"]) == ("BP", "relu")
    assert (run_dir(source_config(cfg)) / "status.json").exists()            # the transfer source ran first

def test_bad_softhebb_input_fails_before_training(tmp_path):
    fails_before_training(tmp_path, (({"rule": "SoftHebb", "sh_t_hebb": 0}, "sh_t_hebb must be > 0"),
                                     ({"rule": "SoftHebb", "sh_activation": "relu"}, "must be softmax for it"),
                                     ({"rule": "SoftHebb", "backbone": "softhebb", "dataset": "cifar10"}, "valid datasets: mnist"),
                                     ({"rule": "SoftHebb", "epsilons": "[0,standard]", "dataset": "fashion_mnist"},
                                      "no standard L∞ budget for 'fashion_mnist'")))
