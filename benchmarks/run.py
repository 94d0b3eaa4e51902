"""What a feedback rule and an attack cost, against BP and against biotorch.

    python benchmarks/run.py                      # CPU: resnet18 and efficientnet_lite0 at 64x64, batch 32
    python benchmarks/run.py --device cuda        # GPU: resnet18 and vgg16 at 224x224, bf16 autocast, channels_last
    python benchmarks/run.py --reps 5 --out benchmarks/results/cpu.json

Everything is measured in one process: each configuration is warmed up, then the repeats are interleaved
(config A, B, C, ..., A, B, C, ...) so that drifts in machine speed hit every configuration alike; the median is
reported. Figures of merit are ratios: a rule's step time over native BP's, and ours over biotorch's uSF, each
the median over repeats of the ratio within a repeat (with its quartiles: the spread the machine adds).
brSF is timed with its redraw of M after every optimizer step (the whole rule) drawn by torch's generator, as
"brSF (pcg64)" drawn by numpy's PCG64 (the run setting redraw_generator: pcg64), and, as "brSF (no redraw)",
without it (the backward alone).
Memory: on CUDA the peak allocated during a step; on the CPU, where allocators hide peaks, the bytes of the
distinct tensors autograd saves for the backward pass plus the model's parameters and buffers (what a rule
could add: saved feedback matrices or persistent copies of the weights).
biotorch 0.0.16 is installed for the benchmark alone (pip --target benchmarks/.deps, not a signsym dependency).
"""
import argparse, copy, importlib, json, os, platform, subprocess, sys, time
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
import numpy as np, torch, torch.nn.functional as F
from signsym.rules import RULES, convert, redraw_after_step
from signsym.models import build_model
from signsym.attacks import AttackContext
from timing import quantile, table

DEPS = HERE / ".deps"

def import_biotorch():
    "biotorch's BioModule, installed into benchmarks/.deps on first use (no dependencies pulled)."
    sys.path.insert(0, str(DEPS))
    try: from biotorch.module.biomodule import BioModule
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(DEPS),
                        "biotorch==0.0.16"], check=True)
        importlib.invalidate_caches()                                  # the folder was listed before the install
        from biotorch.module.biomodule import BioModule
    return BioModule

def make_model(arch, image_size):
    "The network signsym trains (normalisation, backbone with random weights, 10-way head)."
    torch.manual_seed(0)
    return build_model(arch, 10, pretrained=False, image_size=image_size)

def variants(arch, image_size, with_biotorch):
    base = make_model(arch, image_size)
    out = {"BP (native)": base}
    for r in RULES:
        torch.manual_seed(1); out[r] = convert(copy.deepcopy(base), r)
    out["brSF (no redraw)"] = out.pop("brSF")
    torch.manual_seed(1); out["brSF"] = convert(copy.deepcopy(base), "brSF")   # with its redraw: the whole rule
    torch.manual_seed(1); out["brSF (pcg64)"] = convert(copy.deepcopy(base), "brSF")   # its redraw by numpy's PCG64
    if with_biotorch:
        BioModule = import_biotorch()
        out["biotorch uSF"] = BioModule(copy.deepcopy(base), mode="usf")
    return out

def saved_bytes(model, x, y):
    "Bytes of distinct tensors saved for backward in one training forward, plus parameters and buffers."
    seen = {}
    def pack(t):
        try: seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        except Exception: pass
        return t
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = F.cross_entropy(model(x), y)
    loss.backward(); model.zero_grad(set_to_none=True)
    tensors = list(model.parameters()) + list(model.buffers())
    state = sum(t.numel() * t.element_size() for t in tensors)
    owned = {t.untyped_storage().data_ptr() for t in tensors}          # counted once, as state
    return sum(v for k, v in seen.items() if k not in owned) + state

def bench_steps(models, x, y, device, reps, warmup, amp):
    fmt = torch.channels_last
    opts = {}
    for m in models.values(): m.to(device, memory_format=fmt).train()
    for k, m in models.items():
        opts[k] = torch.optim.Adam(m.parameters(), lr=1e-4)
        if k == "brSF": redraw_after_step(opts[k], m)          # brSF draws a new M after every step
        if k == "brSF (pcg64)": redraw_after_step(opts[k], m, np.random.Generator(np.random.PCG64(1)))
    x = x.to(device, memory_format=fmt); y = y.to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    def step(k):
        with torch.autocast(device, dtype=torch.bfloat16, enabled=amp):
            loss = F.cross_entropy(models[k](x), y)
        opts[k].zero_grad(set_to_none=True); loss.backward(); opts[k].step()
    for k in models:
        for _ in range(warmup): step(k)
    times, mem = {k: [] for k in models}, {}
    for _ in range(reps):
        for k in models:
            sync(); t = time.perf_counter(); step(k); sync(); times[k].append(time.perf_counter() - t)
    for k, m in models.items():
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats(); step(k); sync()
            mem[k] = torch.cuda.max_memory_allocated()
        else:
            mem[k] = saved_bytes(m, x, y)
    med = {k: quantile(v, 0.5) for k, v in times.items()}
    rows = []
    for k in models:
        # ratios are paired by repeat (each repeat's step over the same repeat's BP step): drifts cancel
        r = [a / b for a, b in zip(times[k], times["BP (native)"])]
        rb = [a / b for a, b in zip(times[k], times["biotorch uSF"])] if "biotorch uSF" in times else None
        rows.append(dict(config=k, step_ms=1e3 * med[k], images_per_s=len(x) / med[k], ratio_vs_bp=quantile(r, 0.5),
                         ratio_q25=quantile(r, 0.25), ratio_q75=quantile(r, 0.75),
                         ratio_vs_biotorch_usf=quantile(rb, 0.5) if rb else None, memory_mb=mem[k] / 2**20,
                         memory_ratio_vs_bp=mem[k] / mem["BP (native)"]))
    for m in models.values(): m.to("cpu")
    return rows

def bench_attacks(arch, image_size, batch, device, reps):
    base = make_model(arch, image_size)
    usf = convert(copy.deepcopy(base), "uSF")
    x = torch.rand(batch, 3, image_size, image_size); y = torch.randint(0, 10, (batch,))
    cases = [("PGD-5", "BP (native)", base, "exact"), ("PGD-5", "uSF", usf, "exact"), ("PGD-5", "uSF", usf, "rule"),
             ("FGSM", "BP (native)", base, "exact"), ("FGSM", "uSF", usf, "rule")]
    for _, _, m, _ in cases: m.to(device)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    run = lambda name, m, g: AttackContext(m, x, y, batch_size=batch, device=device).outcome(   # as a run attacks
        "pgd" if name == "PGD-5" else "fgsm", g, (0.01,))
    for c in cases: run(c[0], c[2], c[3])                                     # warm-up
    times = {i: [] for i in range(len(cases))}
    for _ in range(reps):
        for i, (name, label, m, g) in enumerate(cases):
            sync(); t = time.perf_counter(); run(name, m, g); sync(); times[i].append(time.perf_counter() - t)
    rows = []
    for i, (name, label, m, g) in enumerate(cases):
        rows.append(dict(attack=name, model=label, grad=g, images_per_s=batch / quantile(times[i], 0.5)))
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--reps", type=int, default=None); ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--no-biotorch", action="store_true"); ap.add_argument("--out", default=None)
    a = ap.parse_args()
    gpu = a.device == "cuda"
    archs = ("resnet18", "vgg16") if gpu else ("resnet18", "efficientnet_lite0")
    size, batch, reps = (224, 32, a.reps or 20) if gpu else (64, 32, a.reps or 7)
    info = dict(device=torch.cuda.get_device_name() if gpu else platform.processor() or platform.machine(),
                torch=torch.__version__, threads=torch.get_num_threads(), image_size=size, batch=batch, reps=reps,
                amp="bf16 autocast and fp32" if gpu else "none (fp32)", memory_format="channels_last")
    print(json.dumps(info))
    res = dict(info=info, steps={}, attacks={})
    # biotorch's backward fails under autocast (its feedback matrices stay float32: "expected mat1 and mat2 to have
    # the same dtype"), so on the GPU it is compared in float32 and bf16 autocast is measured for signsym alone.
    for arch in archs:
      for amp in ((True, False) if gpu else (False,)):
        models = variants(arch, size, with_biotorch=not a.no_biotorch and not amp and arch in ("resnet18", "vgg16"))
        x = torch.rand(batch, 3, size, size); y = torch.randint(0, 10, (batch,))
        rows = bench_steps(models, x, y, a.device, reps, a.warmup, amp=amp)
        key = f"{arch} {'bf16' if amp else 'fp32'}"
        res["steps"][key] = rows
        print(f"\ntraining step, {key}, {size}x{size}, batch {batch}")
        print(table(rows, ["config", "step_ms", "images_per_s", "ratio_vs_bp", "ratio_q25", "ratio_q75",
                           "ratio_vs_biotorch_usf", "memory_mb", "memory_ratio_vs_bp"]))
    arch = archs[0]
    rows = bench_attacks(arch, size, batch, a.device, max(3, reps // 3))
    res["attacks"][arch] = rows
    print(f"\nattack throughput, {arch}, {size}x{size}, batch {batch}")
    print(table(rows, ["attack", "model", "grad", "images_per_s"]))
    if a.out: Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1))

if __name__ == "__main__":
    main()
