"""GPU check of signsym.rules (run on a CUDA machine): autocast (bf16, fp16), channels_last, exact mode,
and the training-step time of each rule against BP for resnet18/vgg16 at 224x224.

    python benchmarks/gpu_rules_check.py [--json out.json]
Prints a table; asserts the correctness checks (the timings are printed, not asserted)."""
import argparse, copy, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import torch, torch.nn.functional as F, torchvision
from signsym.rules import RULES, convert, grad_mode

def check_correctness(dev="cuda"):
    torch.manual_seed(0)
    net = torchvision.models.resnet18(weights=None, num_classes=10).to(dev).train()
    x = torch.rand(8, 3, 64, 64, device=dev); y = torch.randint(0, 10, (8,), device=dev)
    out = {}
    for dtype in (torch.bfloat16, torch.float16):
        for rule in ("BP", "uSF", "frSF"):
            torch.manual_seed(1); fb = convert(copy.deepcopy(net), rule)
            for fmt in (torch.contiguous_format, torch.channels_last):
                m = copy.deepcopy(fb).to(memory_format=fmt); xi = x.clone(memory_format=fmt).requires_grad_()
                ref = copy.deepcopy(net).to(memory_format=fmt)
                with torch.autocast("cuda", dtype=dtype):
                    ym, yr = m(xi), ref(x.to(memory_format=fmt))
                    with grad_mode("exact"): ye = m(x.to(memory_format=fmt))
                assert ym.dtype == dtype and torch.allclose(ym.float(), yr.float(), atol=1e-2, rtol=1e-2), (rule, dtype)
                assert torch.equal(ye, yr), "exact mode must equal the native layer"
                F.cross_entropy(ym.float(), y).backward()
                assert all(p.grad is not None and p.grad.dtype == torch.float32 and torch.isfinite(p.grad).all()
                           for p in m.parameters()), (rule, dtype, fmt)
                out[(str(dtype), rule, str(fmt))] = float(xi.grad.float().norm())
    # channels_last gives the same input gradient as contiguous (same rule, same dtype)
    for (dt, rule, fmt), v in out.items():
        if "channels_last" in fmt:
            c = out[(dt, rule, "torch.contiguous_format")]
            assert abs(v - c) / c < 2e-2, (dt, rule, v, c)
    return out

def time_steps(arch, size=224, batch=32, reps=20, warmup=5, dev="cuda"):
    torch.manual_seed(0)
    base = getattr(torchvision.models, arch)(weights=None, num_classes=10)
    models = {"BP(native)": base}
    for r in RULES: models[r] = convert(copy.deepcopy(base), r)
    for m in models.values(): m.to(dev).to(memory_format=torch.channels_last).train()
    opts = {k: torch.optim.Adam(m.parameters(), lr=1e-4) for k, m in models.items()}
    x = torch.rand(batch, 3, size, size, device=dev).to(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,), device=dev)
    def step(k):
        with torch.autocast("cuda", dtype=torch.bfloat16): loss = F.cross_entropy(models[k](x), y)
        opts[k].zero_grad(set_to_none=True); loss.backward(); opts[k].step()
    times = {k: [] for k in models}
    for k in models:
        for _ in range(warmup): step(k)
    torch.cuda.synchronize()
    for _ in range(reps):                      # interleaved repeats
        for k in models:
            t = time.perf_counter(); step(k); torch.cuda.synchronize(); times[k].append(time.perf_counter() - t)
    med = {k: sorted(v)[len(v)//2] for k, v in times.items()}
    return {k: dict(ms=1e3*v, ratio=v/med["BP(native)"], img_s=batch/v) for k, v in med.items()}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--json"); a = ap.parse_args()
    print("torch", torch.__version__, torch.cuda.get_device_name())
    check_correctness(); print("correctness: autocast bf16/fp16, channels_last, exact mode: OK")
    res = {}
    for arch in ("resnet18", "vgg16"):
        res[arch] = time_steps(arch)
        for k, v in res[arch].items(): print(f"{arch:9s} {k:11s} {v['ms']:7.2f} ms/step  {v['img_s']:7.0f} img/s  ratio {v['ratio']:.3f}")
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
