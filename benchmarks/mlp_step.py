"""What a training step of each MLP rule costs against BP's on the same MLP (the PEPITA study's network: d -> 1024
-> 10, the quick preset's batch), in one process with interleaved repeats: PEPITA's two forward passes and no
backward against BP's forward + backward (target: PEPITA <= 2.2x BP), DFA and the layer rules beside them. Each
step is the learner a run uses (signsym.mlp.FROM_SCRATCH.learner: optimizer step, momentum, dropout mask).

    python benchmarks/mlp_step.py                      # MNIST-sized inputs (784), batch 64
    python benchmarks/mlp_step.py --dataset cifar10 --reps 200 --out benchmarks/results/mlp_step_cifar10.csv
"""
import argparse, platform, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
import torch, pandas as pd
from signsym.config import resolve_config
from signsym.mlp import FROM_SCRATCH, make_mlp
from timing import interleaved, paired_ratio, quantile, table

D_IN = dict(mnist=784, fashion_mnist=784, cifar10=3072)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="mnist", choices=sorted(D_IN)); ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--rules", default="BP,PEPITA,DFA,FA,uSF")
    ap.add_argument("--out", default=None, help="CSV (default benchmarks/results/mlp_step_<dataset>.csv)")
    a = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    cases, batch = {}, None
    for rule in a.rules.split(","):
        cfg = resolve_config(backbone="mlp", rule=rule, dataset=a.dataset, attacks="random")
        model = make_mlp(cfg, D_IN[a.dataset], 10).train()
        learner = FROM_SCRATCH.learner(cfg, None)(model)
        batch = cfg["batch_size"]
        torch.manual_seed(0)
        x, y = torch.rand(batch, D_IN[a.dataset]), torch.randint(0, 10, (batch,))
        cases[rule] = (lambda l, m: lambda: l.step(m, x, y))(learner, model)
    t = interleaved(cases, a.reps, warmup=10)
    rows = []
    for k in cases:
        r = paired_ratio(t, k, "BP")
        rows.append(dict(dataset=a.dataset, batch=batch, rule=k, step_ms=1e3 * quantile(t[k], 0.5),
                         ratio_vs_bp=r[0], ratio_q25=r[1], ratio_q75=r[2], reps=a.reps))
    print(table(rows, ["rule", "step_ms", "ratio_vs_bp", "ratio_q25", "ratio_q75"]))
    out = Path(a.out or HERE / "results" / f"mlp_step_{a.dataset}.csv")
    out.parent.mkdir(parents=True, exist_ok=True); pd.DataFrame(rows).to_csv(out, index=False)

if __name__ == "__main__":
    main()
