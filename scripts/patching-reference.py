#!/usr/bin/python3
"""Independent reference numbers for the weight-signature arithmetic (src/core/patching/math.ts).

Writes test/fixtures/patching-reference.json: seeded random inputs and what NumPy/PyTorch compute
for them, so test/unit/patching-math.test.ts can compare the lab's TypeScript with them:
  projection   d - (d.a / |a|^2) a                  (torch, float64, then float32)
  linear:N     nearest of N levels evenly spaced from min to max
  log:N        sign kept, nearest of N/2 magnitudes log-spaced from min |x| > 0 to max |x|
  low rank     torch.linalg.svdvals -> the Frobenius error of the best rank-r approximation

Run with Debian's python3-torch: /usr/bin/python3 scripts/patching-reference.py
"""
import json
import os
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e} (install python3-torch and python3-numpy)")
    sys.exit(0)

rng = np.random.default_rng(20230723)
out = {}

# projection, on vectors the size of a small conv layer, with d partly along a
n = 2000
a = rng.standard_normal(n).astype(np.float32) * 0.01
d = (0.7 * a + rng.standard_normal(n).astype(np.float32) * 0.02).astype(np.float32)
ta, td = torch.from_numpy(a).double(), torch.from_numpy(d).double()
c = float(torch.dot(td, ta) / torch.dot(ta, ta))
s = (td - c * ta).float().numpy()
out["projection"] = {"a": a.tolist(), "d": d.tolist(), "coefficient": c, "s": s.tolist()}


def linear(x, levels):
    x64 = x.astype(np.float64)
    lo, hi = x64.min(), x64.max()
    step = (hi - lo) / (levels - 1)
    k = np.clip(np.floor((x64 - lo) / step + 0.5), 0, levels - 1).astype(np.int64)
    book = (lo + np.arange(levels) * step).astype(np.float32)
    book[-1] = np.float32(hi)
    return book[k]


def logq(x, levels):
    m = levels // 2
    x64 = x.astype(np.float64)
    mag = np.abs(x64)
    nz = mag[mag > 0]
    lo, hi = nz.min(), nz.max()
    step = (np.log(hi) - np.log(lo)) / (m - 1)
    with np.errstate(divide="ignore"):
        k = np.where(mag > 0, np.clip(np.floor((np.log(mag) - np.log(lo)) / step + 0.5), 0, m - 1), 0).astype(np.int64)
    mags = np.exp(np.log(lo) + np.arange(m) * step).astype(np.float32)
    mags[-1] = np.float32(hi)
    return np.where(x64 < 0, -mags[k], mags[k]).astype(np.float32)


x = (rng.standard_normal(1500) * 0.05).astype(np.float32)
out["quantize"] = {
    "x": x.tolist(),
    "linear16": linear(x, 16).tolist(),
    "linear2": linear(x, 2).tolist(),
    "log16": logq(x, 16).tolist(),
    "log2": (np.sign(x) * np.abs(x).max()).astype(np.float32).tolist(),
}

rows, cols = 24, 90
mat = (rng.standard_normal((rows, cols)) * 0.03).astype(np.float32)
sv = torch.linalg.svdvals(torch.from_numpy(mat).double()).numpy()
out["lowrank"] = {
    "rows": rows,
    "cols": cols,
    "x": mat.reshape(-1).tolist(),
    "errors": {str(r): float(np.sqrt((sv[r:] ** 2).sum())) for r in (1, 2, 4, 8, 16)},
}

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "patching-reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {os.path.normpath(path)} (torch {torch.__version__}, numpy {np.__version__})")
