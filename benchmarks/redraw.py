"""What brSF's redraw of M costs, and what a faster draw would buy.

    python benchmarks/redraw.py                    # EfficientNet-Lite0 and ResNet-18, CPU, the threads torch has
    python benchmarks/redraw.py --threads 1 --reps 15 --out benchmarks/results/redraw_cpu.csv

brSF draws a new |M| (Xavier-uniform magnitudes, one per weight) after every optimizer step: 3.3 M numbers for
EfficientNet-Lite0, 11.2 M for ResNet-18. Timed in one process, interleaved, on the buffers of the converted
network (the median of the repeats, ms per redraw of the whole network):
- `redraw_feedback`: signsym's (a fresh Xavier-uniform tensor per layer, abs, copied into the buffer);
- `in place, same stream`: the same draws straight into the buffer (uniform_(-a, a).abs_()), no temporary;
- `in place U(0, a)`: the same distribution drawn directly (|U(-a, a)| ~ U(0, a)); another random stream;
- `numpy PCG64` / `numpy SFC64`: numpy's generators filling the buffer's float32 memory, then scaled;
  another random stream, and a generator state that checkpoints would have to carry;
- `generator only`: torch's uniform_ into one preallocated tensor of all the numbers (the floor of a torch draw).
Beside them one BP training step (forward + backward + Adam) of the same network at 64 px, batch 32, for the share.
"""
import argparse, csv, math, sys, time
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
import numpy as np, torch, torch.nn.functional as F
from signsym.rules import RULES, convert, feedback_layers, redraw_feedback, xavier_scale
from signsym.models import build_model
from timing import interleaved, quantile, table

def bounds(model):
    "(buffer, a) for every brSF layer: a = sqrt(3) x Xavier's std, the Xavier-uniform bound."
    return [(m.feedback, math.sqrt(3) * xavier_scale(m.weight.shape)) for _, m in feedback_layers(model)
            if RULES[m.rule].redraw]

def cases(model):
    layers = bounds(model)
    n = sum(b.numel() for b, _ in layers)
    flat = torch.empty(n)
    pcg, sfc = np.random.Generator(np.random.PCG64(0)), np.random.Generator(np.random.SFC64(0))
    def inplace():
        with torch.no_grad():
            for b, a in layers: b.uniform_(-a, a).abs_()
    def half():
        with torch.no_grad():
            for b, a in layers: b.uniform_(0, a)
    def numpy_fill(g):
        def run():
            with torch.no_grad():
                for b, a in layers:
                    v = b.numpy() if b.is_contiguous() else None
                    if v is None: b.copy_(torch.from_numpy(g.random(b.shape, dtype=np.float32))).mul_(a)
                    else: g.random(out=v.reshape(-1), dtype=np.float32); b.mul_(a)
        return run
    return n, {"redraw_feedback": lambda: redraw_feedback(model), "in place, same stream": inplace,
               "in place U(0, a)": half, "numpy PCG64": numpy_fill(pcg), "numpy SFC64": numpy_fill(sfc),
               "generator only": lambda: flat.uniform_(-1, 1)}

def bp_step(arch):
    torch.manual_seed(0)
    net = build_model(arch, 10, pretrained=False, image_size=64).to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(net.parameters(), 1e-4)
    x, y = torch.rand(32, 3, 64, 64).to(memory_format=torch.channels_last), torch.randint(0, 10, (32,))
    def step():
        opt.zero_grad(); F.cross_entropy(net(x), y).backward(); opt.step()
    return step

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--archs", default="efficientnet_lite0,resnet18")
    p.add_argument("--reps", type=int, default=11)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default=None, help="CSV of the medians (one row per network and case)")
    a = p.parse_args(argv)
    if a.threads: torch.set_num_threads(a.threads)
    rows = []
    for arch in a.archs.split(","):
        torch.manual_seed(1)
        model = convert(build_model(arch, 10, pretrained=False, image_size=64), "brSF")
        torch.manual_seed(2); redraw_feedback(model); ref = [b.clone() for b, _ in bounds(model)]
        n, cs = cases(model)
        torch.manual_seed(2); cs["in place, same stream"]()
        same = all(torch.equal(r, b) for r, (b, _) in zip(ref, bounds(model)))   # bit-identical to signsym's draw?
        times = interleaved({**cs, "BP step": bp_step(arch)}, a.reps)
        base, step = quantile(times["redraw_feedback"], 0.5), quantile(times["BP step"], 0.5)
        for k, t in times.items():
            med = quantile(t, 0.5)
            rows.append(dict(network=arch, case=k, numbers=n, ms=med * 1e3, ns_per_number=med * 1e9 / n,
                             vs_redraw=med / base, share_of_bp_step=med / step if k != "BP step" else 1.0))
        print(f"{arch}: {n / 1e6:.1f} M numbers per redraw; in-place draw bit-identical to redraw_feedback: {same}")
    print(f"threads {torch.get_num_threads()}, torch {torch.__version__}, numpy {np.__version__}")
    print(table(rows, ["network", "case", "ms", "ns_per_number", "vs_redraw", "share_of_bp_step"]))
    if a.out:
        with open(a.out, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0])); w.writeheader(); w.writerows(rows)

if __name__ == "__main__": main()
