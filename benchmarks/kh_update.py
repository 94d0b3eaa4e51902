"""The Krotov-Hopfield update uses the sparsity of g (two non-zeros per sample): `kh_rows` (the rows of the at most 2B
units g touches, what the learner adds in place), `kh_update` (the same, as a full H x D ΔW) against `kh_dense` (g
as a dense B x H matrix, R^p gᵀx over all units) and against the floor, the matmul that computes the currents
I = x W̃ᵀ (every formulation needs it). One process, interleaved repeats, medians; paired ratios to the floor.

    python benchmarks/kh_update.py                 # CIFAR-10 sizes: D = 3072, H = 1000 (quick) and 2000 (paper), B = 100
    python benchmarks/kh_update.py --reps 30 --out benchmarks/results/kh_update.csv
"""
import argparse, platform, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
import torch, pandas as pd
from signsym.kh import kh_rows, kh_update, kh_dense, effective_weights, lp_normalize
from timing import interleaved, paired_ratio, quantile, table

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=20); ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--hidden", default="1000,2000"); ap.add_argument("--dim", type=int, default=3072)
    ap.add_argument("--out", default=str(HERE / "results" / "kh_update.csv"))
    a = ap.parse_args()
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows = []
    for H in map(int, a.hidden.split(",")):
        torch.manual_seed(0)
        W, x = torch.randn(H, a.dim), lp_normalize(torch.rand(a.batch, a.dim))
        assert torch.allclose(kh_update(W, x), kh_dense(W, x), rtol=1e-4, atol=1e-4)    # the same increment
        cases = {"floor: I = x W̃ᵀ": lambda: x @ effective_weights(W, 3.0).T,
                 "kh_rows (the learner's)": lambda: kh_rows(W, x),
                 "kh_update (kh_rows, then a full H x D ΔW)": lambda: kh_update(W, x),
                 "kh_dense (dense g)": lambda: kh_dense(W, x)}
        t = interleaved(cases, a.reps, warmup=2)
        floor = next(iter(cases))
        for k in cases:
            r = paired_ratio(t, k, floor)
            rows.append(dict(hidden=H, dim=a.dim, batch=a.batch, case=k, ms=1e3 * quantile(t[k], 0.5),
                             ratio_to_floor=r[0], ratio_q25=r[1], ratio_q75=r[2], reps=a.reps))
    print(table(rows, ["hidden", "case", "ms", "ratio_to_floor", "ratio_q25", "ratio_q75"]))
    if a.out: Path(a.out).parent.mkdir(parents=True, exist_ok=True); pd.DataFrame(rows).to_csv(a.out, index=False)

if __name__ == "__main__":
    main()
