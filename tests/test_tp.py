"""End-to-end: the target-propagation system through signsym-run (DTP on MNIST, its BP transfer source run first),
offline, attacked through DTP's own backward and the true gradient; bad DTP settings fail before training."""
import json
import pytest
from conftest import run_ok, fails_before_training
from signsym.store import run_dir, read_metrics
from signsym.pipeline import source_config
from signsym.train import load_checkpoint
from signsym.tp import make_tp

pytestmark = pytest.mark.slow
SMALL = dict(train_size=2000, val_size=200, eval_size=200, tp_hidden=64, epochs=3, attack_size=20, apgd_steps=5,
             square_queries=20, fmn_steps=10, epsilons="[0.0,0.1]")


def test_dtp_from_the_command_line(data_dir):
    cfg, _ = run_ok({**SMALL, "rule": "DTP", "data_root": data_dir})
    assert (cfg["backbone"], cfg["dataset"], cfg["tp_depth"]) == ("tp", "mnist", 3)   # defaulted: the system's
    m = read_metrics(run_dir(cfg))
    robust = m[m.metric == "robust_accuracy"]
    assert {("pgd", "rule"), ("pgd", "exact"), ("apgd-t", "rule"), ("square", "none"), ("transfer", "exact"),
            ("fmn", "rule"), ("fmn", "exact")} <= set(zip(robust.attack, robust.grad))
    white = robust[robust.grad.isin(["rule", "exact"]) & (robust.eps > 0)].pivot_table(index=["attack", "eps"], columns="grad", values="value")
    assert (white["rule"] != white["exact"]).any()                            # attacked through DTP's own backward
    cos = m[m.metric == "grad_cosine"].value
    assert len(cos) and (cos < 0.95).all()                                    # DTP's backward is not the gradient
    assert {f"tp_inverse_error_{i}" for i in (1, 2, 3)} | {"zero_grad_float32", "val_accuracy"} <= set(m.metric)
    assert 0.5 < m[m.metric == "accuracy"].value.item() <= 1                 # it learns (10 classes, 200 images)
    state = load_checkpoint(run_dir(cfg) / "checkpoint.pt")
    assert {"inverse_optimizer", "optimizer"} <= set(state) and "inverses.2.weight" in state["model"]
    start = make_tp(cfg, 784, 10).state_dict()
    for k in ("layers.0.weight", "layers.2.weight", "inverses.1.weight"):    # the targets moved every hidden layer
        assert (state["model"][k] - start[k]).abs().max() > 1e-3, k          # (with η = 0 only the readout would)
    src = json.loads((run_dir(source_config(cfg)) / "config.json").read_text())
    assert (src["rule"], src["tp_eta"], src["tp_hidden"]) == ("BP", None, 64)
    assert (run_dir(source_config(cfg)) / "status.json").exists()            # the transfer source ran first

def test_bad_dtp_input_fails_before_training(tmp_path):
    fails_before_training(tmp_path, (({"rule": "DTP", "tp_depth": 1}, "DTP needs tp_depth >= 2"),
                                     ({"rule": "DTP", "tp_eta": 0}, "tp_eta must be > 0"),
                                     ({"rule": "DTP", "tp_stop_at": 0.9}, "tp_stop_at is a BP control's setting: DTP does not read it"),
                                     ({"rule": "DTP", "backbone": "tp", "dataset": "cifar10"}, "valid datasets: mnist")))
