"""A researcher's own rule and attack, registered from outside the package (a plugin file named in SIGNSYM_PLUGINS),
flow through convert, fit, the robustness harness, config validation, signsym-run and a sweep with no edit to it."""
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

@pytest.fixture
def plugin(tmp_path, monkeypatch):
    f = tmp_path / "my_rules.py"
    f.write_text(PLUGIN)
    monkeypatch.setenv("SIGNSYM_PLUGINS", str(f))
    from signsym.config import load_plugins
    load_plugins()
    yield f
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
