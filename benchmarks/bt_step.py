"""What a training step of each rule costs on biotorch's networks (LeNet-CIFAR, ResNet-20), against BP's on the same
network, in one process with interleaved repeats; and what a 45,000-image epoch (352 steps of 128) and the paper
preset's 250 epochs would take at that rate. Each step is the learner a run uses (signsym.biotorch's pipeline:
SGD with momentum and weight decay, the augmentation, DFA's feedback nodes or the layer rules' backward).

    python benchmarks/bt_step.py                                   # ResNet-20 on this machine's CPU
    python benchmarks/bt_step.py --backbone lenet_cifar --reps 50
    python benchmarks/bt_step.py --device cuda --reps 100          # on a GPU
"""
import argparse, platform, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
import torch, pandas as pd
from signsym.config import resolve_config
from signsym.biotorch import BIOTORCH, make_bt_net
from timing import interleaved, paired_ratio, quantile, table

STEPS_PER_EPOCH = 45_000 // 128 + 1          # biotorch's 45,000 training images in batches of 128

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backbone", default="resnet20", choices=("resnet20", "lenet_cifar"))
    ap.add_argument("--rules", default="BP,FA,DFA,uSF,frSF,brSF"); ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--device", default="cpu"); ap.add_argument("--out", default=None)
    a = ap.parse_args()
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{a.device}")
    cases = {}
    for rule in a.rules.split(","):
        cfg = resolve_config(backbone=a.backbone, rule=rule, preset="paper", attacks="random")
        model = make_bt_net(cfg).to(a.device).train()
        learner = BIOTORCH.learner(cfg, None)(model).to(a.device)
        torch.manual_seed(0)
        x = torch.rand(cfg["batch_size"], 3, 32, 32, device=a.device)
        y = torch.randint(0, 10, (cfg["batch_size"],), device=a.device)
        cases[rule] = (lambda l, m, x, y: lambda: l.step(m, x, y))(learner, model, x, y)
    t = interleaved(cases, a.reps, warmup=3, sync=sync)
    rows = []
    for k in cases:
        r, ms = paired_ratio(t, k, "BP"), 1e3 * quantile(t[k], 0.5)
        rows.append(dict(backbone=a.backbone, device=a.device, threads=torch.get_num_threads(), rule=k, step_ms=ms,
                         ratio_vs_bp=r[0], ratio_q25=r[1], ratio_q75=r[2], epoch_s=ms * STEPS_PER_EPOCH / 1e3,
                         paper_preset_h=ms * STEPS_PER_EPOCH * 250 / 3.6e6, reps=a.reps))
    print(table(rows, ["rule", "step_ms", "ratio_vs_bp", "epoch_s", "paper_preset_h"]))
    out = Path(a.out or HERE / "results" / f"bt_step_{a.backbone}_{a.device.split(':')[0]}.csv")
    out.parent.mkdir(parents=True, exist_ok=True); pd.DataFrame(rows).to_csv(out, index=False)

if __name__ == "__main__":
    main()
