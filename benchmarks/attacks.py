"""Each gradient attack's throughput against its limit on the same model. PGD-k costs k forward + backward passes
per image, APGD-k about k (APGD-T k per target class), TPGD-k k plus one clean forward; the limit is the images per
second of one forward + backward of the loss w.r.t. the input in eval mode (the attacks' own setting), divided by
that count. Square is gradient-free and stops on fooled images: its images per second are printed with no limit.
One process, interleaved repeats, medians; the attack runs as a run runs it (signsym.attacks, AttackContext), on
random images labelled with the untrained model's own predictions, so that every image starts "correct" (the
attacks skip images already wrong). APGD-T moves on to the next target class with the images still unfooled, so
its count is an upper bound.

    python benchmarks/attacks.py                                   # the PEPITA study's MLP on MNIST-sized inputs
    python benchmarks/attacks.py --models mlp,resnet18 --device cuda --images 500
    python benchmarks/attacks.py --models efficientnet_lite0 --image-size 80 --images 40 --attacks fgsm,pgd,apgd-ce,tpgd
"""
import argparse, platform, sys
from pathlib import Path
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE))
import torch, torch.nn.functional as F, pandas as pd
from signsym.config import resolve_config
from signsym.attacks import AttackContext, attacked, get_attack, predict, PGD_STEPS
from signsym.models import build_model
from signsym.mlp import make_mlp
from timing import interleaved, quantile, table

ATTACKS = "fgsm,pgd,apgd-ce,apgd-t,tpgd,square"

def passes(name, cfg):
    "Forward + backward passes per image of one run of the attack (None: no gradient, no fixed count)."
    if name == "fgsm": return 1                      # a config holds only the budgets of the attacks it runs
    if name == "pgd": return PGD_STEPS
    if name == "tpgd": return cfg["tpgd_steps"]
    if name == "apgd-ce": return cfg["apgd_steps"]
    if name == "apgd-t": return cfg["apgd_steps"] * cfg["apgd_targets"]
    return None

def model_for(name, cfg, size=32):
    if name == "mlp": return make_mlp(cfg, 784, 10), (1, 28, 28)
    return build_model(name, 10, pretrained=False, image_size=size), (3, size, size)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="mlp"); ap.add_argument("--attacks", default=ATTACKS)
    ap.add_argument("--images", type=int, default=200); ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--eps", type=float, default=0.03); ap.add_argument("--device", default="cpu")
    ap.add_argument("--image-size", type=int, default=32, help="a CNN's input side (the quick study's is 80)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", default=str(HERE / "results" / "attacks_cpu.csv"))
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads,"
          f" {a.images} images, eps {a.eps}")
    rows = []
    for mname in a.models.split(","):
        cfg = resolve_config(backbone="mlp", rule="BP", dataset="mnist", attacks=a.attacks)
        model, shape = model_for(mname, cfg, a.image_size)
        model.to(a.device)
        torch.manual_seed(0)
        x = torch.rand(a.images, *shape)
        bs = min(a.images, 1000 if mname == "mlp" else 100)
        with attacked(model): y = predict(model, x, bs, a.device)   # every image starts classified "right"
        sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
        def fb():                                              # the limit: one forward + backward per image
            with attacked(model):
                for i in range(0, a.images, bs):
                    xb = x[i:i + bs].to(a.device).requires_grad_(True)
                    torch.autograd.grad(F.cross_entropy(model(xb), y[i:i + bs].to(a.device), reduction="sum"), xb)
        def attack(name):
            ctx = AttackContext(model, x, y, settings=cfg, batch_size=bs, device=a.device)
            return lambda: get_attack(name).run(ctx, "exact" if name != "square" else "none", (a.eps,))
        cases = {"forward+backward": fb, **{n: attack(n) for n in a.attacks.split(",")}}
        t = interleaved(cases, a.reps, warmup=1, sync=sync)
        fb_rate = a.images / quantile(t["forward+backward"], 0.5)
        for k in cases:
            rate, k_passes = a.images / quantile(t[k], 0.5), (1 if k == "forward+backward" else passes(k, cfg))
            limit = fb_rate / k_passes if k_passes else float("nan")
            rows.append(dict(model=mname, image_size=shape[-1], case=k, passes=k_passes or "-", images_per_s=rate, limit=limit,
                             fraction_of_limit=rate / limit if k_passes else float("nan"), reps=a.reps,
                             images=a.images, device=a.device))
    print(table(rows, ["model", "case", "passes", "images_per_s", "limit", "fraction_of_limit"]))
    if a.out: Path(a.out).parent.mkdir(parents=True, exist_ok=True); pd.DataFrame(rows).to_csv(a.out, index=False)

if __name__ == "__main__":
    main()
