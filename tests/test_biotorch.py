"""End-to-end: biotorch's benchmark through signsym-run (DFA on LeNet-CIFAR, its BP transfer source run first),
offline, with biotorch's 50-query Square, the few-pixel attack and FMN under both gradients; bad settings fail before
training."""
import json
import pytest
from conftest import run_ok, fails_before_training
from signsym.config import resolve_config
from signsym.store import run_dir, read_metrics
from signsym.pipeline import source_config
from signsym.train import load_checkpoint

pytestmark = pytest.mark.slow
SMALL = dict(backbone="lenet_cifar", train_size=500, val_size=100, eval_size=100, epochs=2, attack_size=20, apgd_steps=5,
             square_queries=20, fmn_steps=10, pixel_iters=2, pixel_population=10, epsilons="[0.0,0.03]")


def test_dfa_cnn_from_the_command_line(data_dir):
    cfg, _ = run_ok({**SMALL, "rule": "DFA", "data_root": data_dir})
    assert (cfg["dataset"], cfg["bt_lr"]) == ("cifar10", 1e-3)               # defaulted: the system's data, DFA's quick rate
    m = read_metrics(run_dir(cfg))
    robust = m[m.metric == "robust_accuracy"]
    assert {("pgd", "rule"), ("pgd", "exact"), ("square", "none"), ("square-50", "none"), ("transfer", "exact"),
            ("pixel", "none"), ("fmn", "rule"), ("fmn", "exact")} <= set(zip(robust.attack, robust.grad))
    assert set(robust[robust.attack == "pixel"].eps) == {0.0, 1.0, 5.0}       # clean, and the quick preset's pixel budgets
    cos = m[m.metric == "grad_cosine"].value
    assert len(cos) and (cos.abs() < 0.5).all()                               # e·B_in is not the true input gradient
    assert {"zero_grad_float32", "val_accuracy", "accuracy"} <= set(m.metric)
    src = json.loads((run_dir(source_config(cfg)) / "config.json").read_text())
    assert (src["rule"], src["bt_lr"]) == ("BP", 0.1)
    assert (run_dir(source_config(cfg)) / "status.json").exists()            # the transfer source ran first

def test_bad_biotorch_input_fails_before_training(tmp_path):
    fails_before_training(tmp_path, (({"rule": "DFA", "backbone": "lenet_cifar", "bt_lr": 0}, "bt_lr must be > 0"),
                                     ({"rule": "FA", "backbone": "lenet_cifar", "dataset": "mnist"}, "valid datasets: cifar10"),
                                     ({"rule": "KH", "backbone": "lenet_cifar"}, "KH"),
                                     ({"rule": "FA", "backbone": "lenet_cifar", "attacks": "squares"}, "square-50")))

def test_dfa_resnet20_the_papers_network(data_dir):
    "DFA on ResNet-20 (a node at every convolution's input), trained for one short epoch and attacked both ways."
    small = {k: v for k, v in SMALL.items() if k not in ("square_queries", "fmn_steps", "pixel_iters", "pixel_population")}
    over = {**small, "backbone": "resnet20", "rule": "DFA", "train_size": 200, "val_size": 50, "eval_size": 50,
            "epochs": 1, "attack_size": 10, "attacks": "pgd,apgd-t", "data_root": data_dir}
    cfg, _ = run_ok(over)
    assert cfg["bt_lr"] == 1e-3                                              # biotorch's ResNet-20 rate for DFA
    assert resolve_config(backbone="resnet20", rule="FA")["bt_lr"] == 0.1    # ... and FA's (LeNet's quick: 1e-2)
    m = read_metrics(run_dir(cfg))
    robust = m[m.metric == "robust_accuracy"]
    assert {("pgd", "rule"), ("pgd", "exact"), ("apgd-t", "rule"), ("apgd-t", "exact")} <= set(zip(robust.attack, robust.grad))
    cos = m[m.metric == "grad_cosine"].value
    assert len(cos) and (cos.abs() < 0.5).all()                               # e·B_in is not the true input gradient
    state = load_checkpoint(run_dir(cfg) / "checkpoint.pt")["model"]
    assert sum(k.startswith("B_") for k in state) == 20                      # the image, 18 convolutions, the output layer
