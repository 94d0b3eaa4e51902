"""The quick preset's Krotov-Hopfield schedule: which start, batch and rate let the rule learn in minutes on 2 cores?
For each schedule, on the quick preset's data (20,000 CIFAR-10 training images, 1,000 units), the rule's epochs as
KHLearner takes them (W += ε_t ΔW / max|ΔW|, ε_t linear to 0), then: the official acceptance checks (converged
fraction: |‖w‖₃ − R| < 0.01; units with a mean weight below −R/2), signs of diverse units (the fraction of units that
win some validation image, the share of the most frequent winner, the participation ratio of the unit directions),
and a readout's validation accuracy (Adam 1e-3, 10 epochs on ReLU(I)^4.5 with the per-unit feature scale of
KHNet). The test set is not touched. Writes benchmarks/results/kh_schedule.csv.

    python benchmarks/kh_schedule.py [--threads 1]
"""
import argparse, time
from pathlib import Path
import pandas as pd, torch, torch.nn.functional as F
from signsym.mlp import mlp_data
from signsym.kh import KHNet, kh_rows, lp_normalize, to_sphere

SCHEDULES = [  # (start, batch, eps0, epochs): start "sphere" or the σ of N(0, σ²) (the official: 1)
    ("sphere", 100, 0.02, 30),                  # the first quick preset (collapsed)
    (1.0, 1000, 0.02, 30),                       # the official start and rate, 600 steps
    (1.0, 100, 0.02, 30),
    (1.0, 100, 0.05, 30),
    (1.0, 100, 0.2, 30),
    (1.0, 1000, 0.2, 30),
    (1.0, 1000, 0.5, 30),
]

def train_rule(W, x, batch, eps0, epochs, seed=0):
    g = torch.Generator().manual_seed(seed)
    for ep in range(epochs):
        eps = eps0 * (1 - ep / epochs)
        perm = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch):
            u, dW = kh_rows(W, x[perm[i:i + batch]])
            W.index_add_(0, u, dW, alpha=eps / dW.abs().max().clamp_min(1e-9).item())
    return W

def readout_accuracy(net, train, val, epochs=10, seed=0):
    with torch.no_grad():
        raw = F.relu(net.currents(train.x)) ** net.power
        rms = raw.pow(2).mean(0).sqrt()
        net.feature_scale.copy_(torch.where(rms > 0, rms, torch.ones_like(rms)))
        f, fv = raw / net.feature_scale, net.features(val.x)
    torch.manual_seed(seed)
    lin = torch.nn.Linear(f.shape[1], 10)
    opt = torch.optim.Adam(lin.parameters(), 1e-3)
    for _ in range(epochs):
        for b in torch.randperm(len(f)).split(100):
            loss = F.cross_entropy(lin(f[b]), train.labels[b]); opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad(): return (lin(fv).argmax(1) == val.labels).float().mean().item()

def diversity(net, val):
    W = net.W.detach()
    with torch.no_grad(): top = net.currents(val.x).argmax(1)
    Wn = F.normalize(W, dim=1)
    s = torch.linalg.svdvals(Wn)
    norms = W.norm(p=3, dim=1)
    return dict(converged=((norms - 1).abs() < 0.01).float().mean().item(), norm_median=norms.median().item(),
                mean_below=int((W.mean(1) < -0.5).sum()), active=len(top.unique()) / len(W),
                top_share=torch.bincount(top).max().item() / len(top),
                participation=((s ** 2).sum() ** 2 / (s ** 4).sum()).item())

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=None); ap.add_argument("--hidden", type=int, default=1000)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "kh_schedule.csv"))
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    data = mlp_data("cifar10", 20_000, 10_000, 100, 0)
    x = lp_normalize(data.train.x, 3.0)
    rows = []
    for start, batch, eps0, epochs in SCHEDULES:
        torch.manual_seed(0)
        net = KHNet(x.shape[1], a.hidden, 10)
        with torch.no_grad():
            net.W.copy_(to_sphere(net.W) if start == "sphere" else net.W * start)
        t0 = time.perf_counter()
        train_rule(net.W.data, x, batch, eps0, epochs)
        rule_s = time.perf_counter() - t0
        rows.append(dict(start=start, batch=batch, eps0=eps0, epochs=epochs, steps=epochs * -(-len(x) // batch),
                         rule_s=rule_s, **diversity(net, data.val), val_accuracy=readout_accuracy(net, data.train, data.val)))
        print(rows[-1], flush=True)
    rnd = KHNet(x.shape[1], a.hidden, 10)
    with torch.no_grad(): rnd.W.copy_(to_sphere(rnd.W))
    rows.append(dict(start="random (frozen, sphere)", **diversity(rnd, data.val), val_accuracy=readout_accuracy(rnd, data.train, data.val)))
    print(rows[-1], flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(a.out, index=False)

if __name__ == "__main__":
    main()
