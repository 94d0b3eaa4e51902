"""The learning rate of the MLP rules the PEPITA paper did not train (cross-entropy with SGD + momentum): the best of
a small grid on the validation split after the quick preset's epochs. Prints one line per (dataset, rule, lr) and
writes benchmarks/results/mlp_lr.csv.  Usage: python benchmarks/mlp_lr.py [--rules BP,DFA] [--datasets mnist,...]"""
import argparse, time
from pathlib import Path
import pandas as pd
from signsym.config import resolve_config
from signsym.mlp import FROM_SCRATCH
from signsym.train import fit

p = argparse.ArgumentParser()
p.add_argument("--rules", default="BP")
p.add_argument("--datasets", default="mnist,fashion_mnist,cifar10")
p.add_argument("--lrs", default="0.003,0.01,0.03,0.1")
a = p.parse_args()
rows = []
for ds in a.datasets.split(","):
    for rule in a.rules.split(","):
        for lr in map(float, a.lrs.split(",")):
            cfg = resolve_config(backbone="mlp", rule=rule, dataset=ds, lr=lr, attacks="random")
            data = FROM_SCRATCH.load_data(cfg)
            model, loss = FROM_SCRATCH.build(cfg, data)
            t0 = time.perf_counter()
            hist = fit(model, data.train, data.val, epochs=cfg["epochs"], learner=FROM_SCRATCH.learner(cfg, loss),
                       batch_size=cfg["batch_size"], seed=cfg["seed"], progress=False)
            rows.append(dict(dataset=ds, rule=rule, lr=lr, val_accuracy=hist[-1]["eval_accuracy"],
                             train_s=time.perf_counter() - t0))
            print(rows[-1], flush=True)
out = Path(__file__).parent / "results" / "mlp_lr.csv"
pd.DataFrame(rows).to_csv(out, index=False)
best = pd.DataFrame(rows).sort_values("val_accuracy").groupby(["dataset", "rule"]).tail(1)
print(best.to_string(index=False))
