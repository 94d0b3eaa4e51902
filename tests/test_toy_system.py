"""A learning system from outside the package (a plugin file named in SIGNSYM_PLUGINS): its setting, pipeline, system
and claim, declared in one file, run end to end (config, training, attacks, per-image outcomes, the record) to a row of
the verdict table, with no edit to signsym."""
import textwrap
import pytest

TOY = textwrap.dedent('''
    import torch, torch.nn as nn
    from signsym.settings import Setting, register_setting, integer
    from signsym.rules import convert
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
        quick=dict(epochs=4, batch_size=20, attack_size=40, attacks=("pgd", "random"), epsilons=(0.0, 0.1, 0.3)))))
    register_claim(Claim("toy paper", "FA's toy nets are more robust than BP's", "far more (its Fig. 1)",
                         dict(backbone="toynet"), ("FA",), "BP",
                         {PROTO: rob("pgd", "rule", 0.1), EXACT: rob("pgd", "exact", 0.1)}))
''')

@pytest.fixture
def toy(tmp_path, monkeypatch):
    f = tmp_path / "toy_system.py"
    f.write_text(TOY)
    monkeypatch.setenv("SIGNSYM_PLUGINS", str(f))
    from signsym.config import load_plugins
    load_plugins()
    yield f
    from signsym.settings import SETTINGS
    from signsym.config import SYSTEMS, CLAIMS
    SYSTEMS.pop("toy", None); SETTINGS.pop("toy_width", None)
    CLAIMS[:] = [c for c in CLAIMS if c.paper != "toy paper"]

def test_a_system_from_outside_reaches_the_verdict(toy, tmp_path):
    from signsym.run import resolve_config, run_experiment
    from signsym.store import gather, outcomes_of
    from signsym.report import verdict_table
    store, results = tmp_path / "store", tmp_path / "results"
    cfgs = [resolve_config(rule=r, backbone="toynet", seed=s, data_root=str(store)) for r in ("BP", "FA") for s in (0, 1)]
    assert cfgs[0]["dataset"] == "blobs" and cfgs[0]["toy_width"] == 16 and cfgs[0]["image_size"] is None
    with pytest.raises(ValueError, match="toy_width is read by the toy system"): resolve_config(toy_width=8)
    for c in cfgs: run_experiment(c, echo=None)
    study, _, _ = gather(store, results)
    assert set(study.variant) == {"BP", "FA"}
    row = verdict_table(study, load=lambda r: outcomes_of(r, store, results)).set_index("claim").loc[
        "FA's toy nets are more robust than BP's"]
    assert row["measured on"] == "2 seeds × 40 images, paired"
    assert "[" in row["paper's protocol: difference"] and "[" in row["exact gradient (strongest): difference"]
    assert row["verdict"] in {"holds", "gradient masking", "does not reproduce", "inconclusive",
                              "holds under the paper's protocol; inconclusive beyond it"} or row["verdict"].startswith("attack failed")
