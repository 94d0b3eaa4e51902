"""What subnormal floats cost a training step on this CPU, and what `flush_denormal` saves, on the checkpoint of a run
that has them. The KH study's BP controls with the L2 and Jacobian penalties drive most of the hidden layer's weights
towards 0: the BP-JReg checkpoint of seed 0 (run c3f234a72751, at epoch 12) holds 60% of W's entries and 61% of Adam's first
moment of W subnormal, when its epochs had slowed from ~37 s to ~720 s. Here: that checkpoint's model and optimizer, ten
steps of its learner (`signsym.kh.PenalizedBackprop`) on one batch of its training images, flush_denormal off and on,
alternated twice in one process. (A synthetic layer of the same shape with as many subnormal weights is only 1.2-1.5x
slower: the cost is in the elementwise work on the penalised model, not in the matrix products.)
Writes benchmarks/results/denormal.csv.

    python benchmarks/denormal.py data/runs/<run id of a KH BP control> [--threads 1] [--steps 10]
"""
import argparse, json, time
from pathlib import Path
import pandas as pd, torch
from signsym.run import flush_denormal
from signsym.pipeline import pipeline
from signsym.kh import PenalizedBackprop

SMALLEST_NORMAL = torch.finfo(torch.float32).tiny

def subnormal_fraction(t:torch.Tensor) -> float: return ((t.abs() < SMALLEST_NORMAL) & (t != 0)).float().mean().item()

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("run", help="a run folder with config.json and checkpoint.pt (a KH BP control with a penalty)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=10)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    run = Path(a.run)
    if not (run / "checkpoint.pt").is_file(): raise SystemExit(f"{run} has no checkpoint.pt: pass a run folder that has")
    cfg = {k: v for k, v in json.loads((run / "config.json").read_text()).items() if k != "run_id"}
    pipe = pipeline(cfg)
    data = pipe.load_data(cfg)
    model, _ = pipe.build(cfg, data)
    ck = torch.load(run / "checkpoint.pt", weights_only=False)
    x, y = data.train.tensors(list(range(cfg["batch_size"])))
    frac = subnormal_fraction(ck["model"]["W"])             # (looked at before any flushing)
    rows = []
    for flush in (False, True, False, True):
        flush_denormal(False)                               # load the state as the run holds it
        model.load_state_dict(ck["model"])
        learner = PenalizedBackprop(model, cfg["kh_lr"], cfg["kh_l2"], cfg["kh_jreg"])
        learner.opt.load_state_dict(ck["optimizer"])
        flush_denormal(flush)
        t = time.perf_counter()
        for _ in range(a.steps): learner.step(model, x, y)
        rows.append(dict(run=run.name, epoch=ck["epoch"], W_subnormal=frac,
                         flush_denormal=flush, step_s=(time.perf_counter() - t) / a.steps, threads=a.threads,
                         torch=torch.__version__))
        print(rows[-1], flush=True)
    flush_denormal(False)
    df = pd.DataFrame(rows)
    df["slowdown_vs_flushed"] = df.step_s / df[df.flush_denormal].step_s.min()
    out = Path(__file__).parent / "results" / "denormal.csv"
    df.to_csv(out, index=False, float_format="%.4g")
    print(df.to_string(index=False))
