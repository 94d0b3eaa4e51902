"""Shared fixtures and helpers: a throwaway data root that sees the project's data, a tiny run config, and `signsym-run`'s
success and bad-input checks for the systems' end-to-end tests."""
import json, subprocess, sys
from pathlib import Path
import pytest
from signsym.data import project_root
from signsym.config import resolve_config
import signsym.run                     # every built-in learning system, registered (signsym.config resolves with them)

ROOT = project_root(Path(__file__).parent)
CIFAR = ROOT / "data" / "cifar10"

# Small enough for seconds per run on 2 CPU cores, large enough that training does something.
TINY = dict(image_size=32, train_size=60, eval_size=30, epochs=2, batch_size=10, bn_recalibrate=30,
            attack_size=12, epsilons=[0.0, 0.01, 0.5])

def signsym_run(over:dict) -> subprocess.CompletedProcess:
    "`signsym-run --key value ...` from the project root, its output captured (the systems' end-to-end tests)."
    cmd = [str(Path(sys.executable).parent / "signsym-run")] + [a for k, v in over.items() for a in (f"--{k}", str(v))]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)

def run_ok(over:dict) -> tuple[dict, subprocess.CompletedProcess]:
    "`signsym-run` with `over`, which must succeed; the config it resolved (as the run's dir names it) and its output."
    out = signsym_run(over)
    assert out.returncode == 0, out.stderr[-3000:]
    cfg = {k: json.loads(v) if k == "epsilons" and isinstance(v, str) else str(v) if k == "data_root" else v
           for k, v in over.items()}
    return resolve_config(**cfg), out

def fails_before_training(tmp_path, cases):
    "Each (overrides, message or messages) in `cases`: `signsym-run` exits non-zero naming them; nothing was trained."
    for over, msgs in cases:
        out = signsym_run({**over, "data_root": tmp_path})
        said = out.stderr + out.stdout
        assert out.returncode != 0 and all(m in said for m in ([msgs] if isinstance(msgs, str) else msgs)), (over, said[-3000:])
    assert not list(tmp_path.glob("runs/*/checkpoint.pt"))

def pytest_configure(config):
    config.addinivalue_line("markers", "slow: end-to-end runs through papermill (seconds to minutes each)")

@pytest.fixture
def data_dir(tmp_path):
    "A data root in tmp_path whose cifar10/, MNIST/ and FashionMNIST/ are the project's (make data puts them there)."
    for name in ("cifar10", "MNIST", "FashionMNIST"):
        if not (ROOT / "data" / name).is_dir():
            pytest.fail(f"{name} is missing from {ROOT / 'data'}: run `make data` (the README's test command does)")
        (tmp_path / name).symlink_to(ROOT / "data" / name)
    return tmp_path
