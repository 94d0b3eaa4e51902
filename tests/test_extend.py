"""A researcher's own rule, attack and learning system, registered from outside the package (a plugin file named in
SIGNSYM_PLUGINS), with no edit to it: the rule and the attack flow through convert, fit, the robustness harness, config
validation, signsym-run and a sweep; a toy system (its own rule, attack, setting, pipeline and claim, in one file) runs
end to end (config, training, attacks, per-image outcomes, the record) to a row of the verdict table."""
import os, subprocess, sys, textwrap
from pathlib import Path
import pandas as pd
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from conftest import ROOT, TINY

PLUGIN = textwrap.dedent('''
    import torch, torch.nn.functional as F
    from signsym.rules import register_rule, grad_mode
    from signsym.attacks import AttackSpec, Outcome, attacked, predict, register_attack

    register_rule("twoW", lambda w, m: 2 * w, help="V = 2W: twice BP's input gradient")

    def sign_step(ctx, grad, eps):
        "One step of eps along the sign of the input gradient of the cross-entropy (a hand-made FGSM)."
        with attacked(ctx.model):
            x = ctx.x.clone().requires_grad_()
            with grad_mode(grad): loss = F.cross_entropy(ctx.model(x), ctx.y, reduction="sum")
            g, = torch.autograd.grad(loss, x)
            return Outcome(torch.stack([predict(ctx.model, (ctx.x + e * g.sign()).clamp(0, 1)) != ctx.y for e in eps]))

    register_attack(AttackSpec("sign_step", "classification", "white-box", sign_step, help="x + eps sign(grad)"))
''')

def use_plugin(tmp_path, monkeypatch, name, text):
    "Write `text` as a plugin file and load it, as SIGNSYM_PLUGINS has every process do."
    f = tmp_path / name
    f.write_text(text)
    monkeypatch.setenv("SIGNSYM_PLUGINS", str(f))
    from signsym.config import load_plugins
    load_plugins()
    return f

@pytest.fixture
def plugin(tmp_path, monkeypatch):
    yield use_plugin(tmp_path, monkeypatch, "my_rules.py", PLUGIN)
    from signsym.rules import RULES
    from signsym.attacks import ATTACKS
    RULES.pop("twoW", None)
    ATTACKS["classification"].pop("sign_step", None)

def test_rule_and_attack_in_process(plugin):
    from signsym.rules import convert, grad_mode
    from signsym.train import fit, Backprop
    from signsym.harness import measure_robustness
    from signsym.config import resolve_config
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3)).double()
    x, y = torch.rand(16, 3, 2, 2, dtype=torch.float64), torch.arange(16) % 3
    def grad_x(model, mode):
        xi = x.clone().requires_grad_()
        with grad_mode(mode): F.cross_entropy(model(xi), y).backward()
        return xi.grad
    two = convert(net, "twoW")
    torch.testing.assert_close(grad_x(two, "rule"), 4 * grad_x(two, "exact"))        # two layers: 2 * 2
    class Toy(torch.utils.data.Dataset):
        labels = y
        def __len__(self): return len(y)
        def __getitem__(self, i): return x[i], y[i]
    sgd = lambda model: Backprop(model, torch.optim.SGD(model.parameters(), lr=0.5))
    hist = fit(two, Toy(), epochs=3, learner=sgd, batch_size=4, progress=False, channels_last=False)
    assert hist[-1]["train_loss"] < hist[0]["train_loss"]
    rows = pd.DataFrame(measure_robustness(two, x, y, "sign_step,random", (0.0, 0.2), progress=False)[0])
    curves = set(zip(rows[rows.metric == "robust_accuracy"].attack, rows[rows.metric == "robust_accuracy"].grad))
    assert curves == {("sign_step", "rule"), ("sign_step", "exact"), ("random", "none")}
    assert {"sign_step/rule", "sign_step/exact"} <= set(rows[rows.metric == "check_beats_random"].grad)
    cfg = resolve_config(rule="twow", attacks="sign_step,random")
    assert cfg["rule"] == "twoW" and cfg["attacks"] == ["sign_step", "random"]
    with pytest.raises(ValueError, match="valid rules: BP, FA, uSF, frSF, brSF, twoW"): resolve_config(rule="threeW")

@pytest.mark.slow
def test_rule_and_attack_through_cli_and_sweep(plugin, data_dir):
    from signsym.sweep import sweep
    from signsym.store import read_metrics
    cli = str(Path(sys.executable).parent / "signsym-run")
    out = subprocess.run([cli, "--rule", "threeW"], capture_output=True, text=True, cwd=ROOT, env=os.environ)
    assert out.returncode != 0 and "twoW" in out.stderr
    over = {**TINY, "attacks": ["sign_step", "random"], "data_root": str(data_dir)}
    res = sweep(dict(rules=["BP", "twoW"], overrides=over), progress=False, echo=None)
    assert (res.status == "done").all(), res
    m = read_metrics(res.folder[1])
    assert set(m.rule) == {"twoW"} and {"sign_step"} <= set(m.attack)
    assert set(m[m.attack == "sign_step"].grad) == {"rule", "exact"}

# A learning system from outside, with a rule and an attack of its own, to the verdict table

TOY = textwrap.dedent('''
    import torch, torch.nn as nn
    from signsym.settings import Setting, register_setting, integer
    from signsym.rules import convert, register_rule
    from signsym.attacks import AttackSpec, register_attack, pgd_attack
    from signsym.train import Backprop
    from signsym.config import System, register_system, Claim, register_claim, PROTO, EXACT, rob
    from signsym.pipeline import Data, Pipeline

    class Blobs(torch.utils.data.Dataset):
        "1x4x4 images whose brightest quadrant is the class (4 classes), seeded."
        def __init__(self, n, seed):
            g = torch.Generator().manual_seed(seed)
            self.labels = torch.randint(0, 4, (n,), generator=g)
            self.x = torch.rand(n, 1, 4, 4, generator=g) * 0.5
            for i, c in enumerate(self.labels.tolist()):
                self.x[i, 0, 2 * (c // 2):2 * (c // 2) + 2, 2 * (c % 2):2 * (c % 2) + 2] += 0.5
        def __len__(self): return len(self.labels)
        def __getitem__(self, i): return self.x[i], self.labels[i]
        def tensors(self, idx): return self.x[idx], self.labels[idx]

    # a rule: the backward sends the error through sign(W), unscaled (V = sign W)
    register_rule("signW", feedback=lambda w, buffer: torch.sign(w), help="V = sign(W), no scale")
    # an attack: two steps of ε/2 from the clean image, on the gradient the run's grad mode gives
    register_attack(AttackSpec("pgd2", "classification", "white-box", pgd_attack(2, lambda e: e / 2, "none"),
                               help="two steps of ε/2, no random start"))

    register_setting(Setting("toy_width", 16, integer(1), "hidden units of the toy net", systems=("toy",), train=True))

    class Toy(Pipeline):
        "A two-layer net on Blobs, trained by SGD through its rule's backward."
        def load_data(self, cfg): return Data(Blobs(200, cfg["seed"]), Blobs(60, 1000 + cfg["seed"]), n_classes=4, n_out=4)
        def build(self, cfg, data):
            torch.manual_seed(cfg["seed"])
            net = nn.Sequential(nn.Flatten(), nn.Linear(16, cfg["toy_width"]), nn.ReLU(), nn.Linear(cfg["toy_width"], 4))
            return convert(net, cfg["rule"]), None
        def learner(self, cfg, loss): return lambda m: Backprop(m, torch.optim.SGD(m.parameters(), lr=0.5))
        def inputs(self, cfg): return []                          # nothing from outside signsym

    register_system(System("toy", ("toynet",), {"classification": ("blobs",)}, pipeline=Toy(), presets=dict(
        quick=dict(epochs=4, batch_size=20, attack_size=40, attacks=("pgd", "pgd2", "random"), epsilons=(0.0, 0.1, 0.3)))))
    register_claim(Claim("toy paper", "signW's toy nets are more robust than BP's", "far more (its Fig. 1)",
                         dict(backbone="toynet"), ("signW",), "BP",
                         {PROTO: rob("pgd2", "rule", 0.1), EXACT: rob("pgd", "exact", 0.1)}))
''')

@pytest.fixture
def toy(tmp_path, monkeypatch):
    yield use_plugin(tmp_path, monkeypatch, "toy_system.py", TOY)
    from signsym.settings import SETTINGS
    from signsym.config import SYSTEMS, CLAIMS
    from signsym.rules import RULES
    from signsym.attacks import ATTACKS
    SYSTEMS.pop("toy", None); SETTINGS.pop("toy_width", None); RULES.pop("signW", None); ATTACKS["classification"].pop("pgd2", None)
    CLAIMS[:] = [c for c in CLAIMS if c.paper != "toy paper"]

def test_the_toy_rule_is_a_layer(toy):
    "The toy plugin's rule is a drop-in layer: its input gradient is sign(W)^T g, its weight gradient the true one."
    from signsym.rules import convert, grad_mode
    torch.manual_seed(0)
    lin = convert(torch.nn.Sequential(torch.nn.Linear(5, 3)), "signW")[0]
    x = torch.randn(4, 5, requires_grad=True); g = torch.randn(4, 3)
    lin(x).backward(g)
    torch.testing.assert_close(x.grad, g @ torch.sign(lin.weight.detach()))
    torch.testing.assert_close(lin.weight.grad, g.T @ x.detach())
    x.grad = None
    with grad_mode("exact"): lin(x).backward(g)
    torch.testing.assert_close(x.grad, g @ lin.weight.detach())

def test_a_system_from_outside_reaches_the_verdict(toy, tmp_path):
    from signsym.run import resolve_config, run_experiment
    from signsym.store import gather, outcomes_of
    from signsym.report import verdict_table
    store, results = tmp_path / "store", tmp_path / "results"
    cfgs = [resolve_config(rule=r, backbone="toynet", seed=s, data_root=str(store)) for r in ("BP", "signW") for s in (0, 1)]
    assert cfgs[0]["dataset"] == "blobs" and cfgs[0]["toy_width"] == 16 and cfgs[0]["image_size"] is None
    with pytest.raises(ValueError, match="toy_width is read by the toy system"): resolve_config(toy_width=8)
    for c in cfgs: run_experiment(c, echo=None)
    study, _, _ = gather(store, results)
    assert set(study.variant) == {"BP", "signW"}
    assert {"pgd2"} <= set(study.attack) and set(study[study.attack == "pgd2"].grad) == {"rule", "exact"}
    row = verdict_table(study, load=lambda r: outcomes_of(r, store, results)).set_index("claim").loc[
        "signW's toy nets are more robust than BP's"]
    assert row["measured on"] == "2 seeds × 40 images, paired"
    assert "[" in row["paper's protocol: difference"] and "[" in row["exact gradient (strongest): difference"]
    assert row["verdict"] in {"holds", "gradient masking", "does not reproduce", "inconclusive",
                              "holds under the paper's protocol; inconclusive beyond it"} or row["verdict"].startswith("attack failed")
