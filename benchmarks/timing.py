"""What the benchmarks share: interleaved repeats in one process, quantiles, paired ratios, a plain-text table."""
import time

def quantile(v, q):
    "The q-quantile of the values v (linear interpolation)."
    v = sorted(v); i = q * (len(v) - 1); lo = int(i)
    return v[lo] + (v[min(lo + 1, len(v) - 1)] - v[lo]) * (i - lo)

def interleaved(cases:dict, reps:int, warmup:int=1, sync=lambda: None) -> dict:
    """Seconds per call of each case (name -> callable): each warmed up, then the repeats interleaved (A, B, C, A, B,
    C, ...) so that drifts in machine speed hit every case alike. Returns name -> list of seconds."""
    for f in cases.values():
        for _ in range(warmup): f()
    times = {k: [] for k in cases}
    for _ in range(reps):
        for k, f in cases.items():
            sync(); t = time.perf_counter(); f(); sync(); times[k].append(time.perf_counter() - t)
    return times

def paired_ratio(times:dict, a:str, b:str) -> tuple:
    "Median and quartiles over repeats of a's time over b's in the same repeat (drifts cancel)."
    r = [x / y for x, y in zip(times[a], times[b])]
    return quantile(r, 0.5), quantile(r, 0.25), quantile(r, 0.75)

def table(rows, cols):
    "Rows (dicts) as aligned text columns; floats with 3 decimals."
    fmt = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)
    w = {c: max(len(c), *(len(fmt(r[c])) for r in rows)) for c in cols}
    lines = ["  ".join(c.ljust(w[c]) for c in cols)]
    lines += ["  ".join(fmt(r[c]).ljust(w[c]) for c in cols) for r in rows]
    return "\n".join(lines)
