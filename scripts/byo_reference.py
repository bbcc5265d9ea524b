#!/usr/bin/python3
"""Reference fixtures for "bring your own data and network" (test/unit/byo-*.test.ts).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/byo_reference.py
Writes test/fixtures/byo/:
  cifar10/            data_batch_1.bin (120 records), test_batch.bin (64), batches.meta.txt
  cifar10-expected.npz  the same images as NumPy decodes them: N×32×32×3 uint8 (transpose of the
                        planar records) and labels, for the bit-exact import test
  cifar100/           train.bin (30 records, coarse + fine labels), test.bin (12), label name files
  cifar100-expected.npz
  float-nchw.npz      x_train/x_test float32 N×3×8×8 in [0, 1], y as int64 N×1 (np.savez_compressed)
  float-nchw-expected.npz  the uint8 NHWC arrays the lab must make of it (round(x·255))
  seq-cnn.json        the layer-list of the PyTorch nn.Sequential below
  seq-cnn.safetensors its state dict after brief training (written without the safetensors package)
  seq-cnn-reference.json  logits of the 64 CIFAR test images, PGD results and IBP logit bounds

The synthetic CIFAR-format data: 10 classes, each a colour tint plus stripes of a class-specific
period and direction, plus noise (seeded). The network (conv-bn-relu ×4 + linear):
  Conv2d(3,8,3,p=1) BN ReLU Conv2d(8,16,3,p=1) BN ReLU MaxPool2d(2)
  Conv2d(16,16,3,p=1) BN ReLU Conv2d(16,16,3,p=1) BN ReLU MaxPool2d(2) Flatten Linear(1024,10)
"""
import json
import os
import struct
import sys

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover
    print(f"skipped: PyTorch/NumPy is not installed for this python ({e}); use /usr/bin/python3 with python3-torch")
    sys.exit(0)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "byo")
CLASSES = ["tint-red", "tint-green", "tint-blue", "stripes-h2", "stripes-v2", "stripes-h4", "stripes-v4", "checker", "dark", "bright"]


def synth(n, rng):
    """N×32×32×3 uint8 images and labels of the 10 synthetic classes."""
    y = rng.integers(0, 10, size=n)
    x = rng.normal(128, 30, size=(n, 32, 32, 3))
    ii, jj = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    for k in range(n):
        c = y[k]
        if c < 3:
            x[k, :, :, c] += 60
        elif c < 7:
            period = 2 if c in (3, 4) else 4
            axis = ii if c in (3, 5) else jj
            x[k] += (((axis // period) % 2) * 80 - 40)[:, :, None]
        elif c == 7:
            x[k] += ((((ii // 4) + (jj // 4)) % 2) * 80 - 40)[:, :, None]
        elif c == 8:
            x[k] -= 60
        else:
            x[k] += 60
    return np.clip(np.round(x), 0, 255).astype(np.uint8), y.astype(np.int64)


def cifar_records(x, fine, coarse=None):
    """Planar CIFAR records: [coarse] fine, then R plane, G plane, B plane (row-major)."""
    planar = x.transpose(0, 3, 1, 2).reshape(len(x), -1)
    head = [fine[:, None].astype(np.uint8)]
    if coarse is not None:
        head.insert(0, coarse[:, None].astype(np.uint8))
    return np.concatenate(head + [planar], axis=1).tobytes()


def write_safetensors(path, tensors):
    dt = {torch.float32: "F32", torch.int64: "I64"}
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": dt[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def ibp(model, lo, hi):
    """Interval bounds through the Sequential in eval mode (center-radius for affine layers)."""
    for m in model:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            c, r = (hi + lo) / 2, (hi - lo) / 2
            if isinstance(m, nn.Conv2d):
                cc = nn.functional.conv2d(c, m.weight, m.bias, m.stride, m.padding)
                rr = nn.functional.conv2d(r, m.weight.abs(), None, m.stride, m.padding)
            else:
                cc = nn.functional.linear(c, m.weight, m.bias)
                rr = nn.functional.linear(r, m.weight.abs())
            lo, hi = cc - rr, cc + rr
        elif isinstance(m, nn.BatchNorm2d):
            scale = m.weight / torch.sqrt(m.running_var + m.eps)
            shift = m.bias - m.running_mean * scale
            s, b = scale[None, :, None, None], shift[None, :, None, None]
            a1, a2 = lo * s + b, hi * s + b
            lo, hi = torch.minimum(a1, a2), torch.maximum(a1, a2)
        else:  # ReLU, MaxPool2d, Flatten: monotone
            lo, hi = m(lo), m(hi)
    return lo, hi


def pgd(model, x, y, eps, alpha, steps):
    """L-inf PGD from the clean image (no random start): sign steps on the cross-entropy,
    projection on the eps-ball and [0, 1]. A point is broken when the clean image or any
    iterate is misclassified (the lab counts it the same way)."""
    x0 = x.clone()
    xa = x.clone()
    fooled = torch.zeros(len(x), dtype=torch.bool)
    for t in range(steps + 1):
        xa.requires_grad_(True)
        z = model(xa)
        fooled |= z.argmax(1) != y
        if t == steps:
            break
        loss = nn.functional.cross_entropy(z, y, reduction="sum")
        (g,) = torch.autograd.grad(loss, xa)
        with torch.no_grad():
            xa = xa + alpha * torch.sign(g)
            xa = torch.min(torch.max(xa, x0 - eps), x0 + eps).clamp(0, 1)
    return fooled, xa.detach()


def main():
    os.makedirs(os.path.join(OUT, "cifar10"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "cifar100"), exist_ok=True)
    rng = np.random.default_rng(13)

    # CIFAR-10 binary fixture and what NumPy makes of it.
    xtr, ytr = synth(120, rng)
    xte, yte = synth(64, rng)
    with open(os.path.join(OUT, "cifar10", "data_batch_1.bin"), "wb") as f:
        f.write(cifar_records(xtr, ytr))
    with open(os.path.join(OUT, "cifar10", "test_batch.bin"), "wb") as f:
        f.write(cifar_records(xte, yte))
    with open(os.path.join(OUT, "cifar10", "batches.meta.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n\n")
    # Decode the records back independently (reshape + transpose) for the expected arrays.
    def decode(path, head):
        raw = np.fromfile(path, dtype=np.uint8).reshape(-1, head + 3072)
        return raw[:, head:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), raw[:, :head]
    dx, dl = decode(os.path.join(OUT, "cifar10", "data_batch_1.bin"), 1)
    tx, tl = decode(os.path.join(OUT, "cifar10", "test_batch.bin"), 1)
    assert (dx == xtr).all() and (tx == xte).all()
    np.savez(os.path.join(OUT, "cifar10-expected.npz"), x_train=dx, y_train=dl[:, 0], x_test=tx, y_test=tl[:, 0])

    # CIFAR-100 fixture: fine labels 0..99, coarse = fine // 5.
    x100, _ = synth(42, rng)
    fine = rng.integers(0, 100, size=42)
    coarse = fine // 5
    with open(os.path.join(OUT, "cifar100", "train.bin"), "wb") as f:
        f.write(cifar_records(x100[:30], fine[:30], coarse[:30]))
    with open(os.path.join(OUT, "cifar100", "test.bin"), "wb") as f:
        f.write(cifar_records(x100[30:], fine[30:], coarse[30:]))
    with open(os.path.join(OUT, "cifar100", "fine_label_names.txt"), "w") as f:
        f.write("\n".join(f"fine{i}" for i in range(100)) + "\n")
    with open(os.path.join(OUT, "cifar100", "coarse_label_names.txt"), "w") as f:
        f.write("\n".join(f"coarse{i}" for i in range(20)) + "\n")
    ax, al = decode(os.path.join(OUT, "cifar100", "train.bin"), 2)
    bx, bl = decode(os.path.join(OUT, "cifar100", "test.bin"), 2)
    np.savez(os.path.join(OUT, "cifar100-expected.npz"), x_train=ax, y_train=al[:, 1], c_train=al[:, 0], x_test=bx, y_test=bl[:, 1], c_test=bl[:, 0])

    # Float NCHW .npz in [0, 1] with N×1 int64 labels, compressed.
    f_tr = rng.random((6, 3, 8, 8)).astype(np.float32)
    f_te = rng.random((4, 3, 8, 8)).astype(np.float32)
    fy_tr = rng.integers(0, 3, size=(6, 1))
    fy_te = rng.integers(0, 3, size=(4, 1))
    np.savez_compressed(os.path.join(OUT, "float-nchw.npz"), x_train=f_tr, y_train=fy_tr, x_test=f_te, y_test=fy_te)
    to_u8 = lambda a: np.round(a.astype(np.float64) * 255).astype(np.uint8).transpose(0, 2, 3, 1)
    np.savez(os.path.join(OUT, "float-nchw-expected.npz"), x_train=to_u8(f_tr), y_train=fy_tr[:, 0], x_test=to_u8(f_te), y_test=fy_te[:, 0])

    # The network, trained briefly on 2,000 synthetic images.
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1024, 10),
    )
    spec = {"name": "seq-cnn", "input": [32, 32, 3], "layers": [
        {"type": "conv2d", "in": 3, "out": 8, "kernel": 3, "stride": 1, "padding": 1}, {"type": "batchnorm", "features": 8}, {"type": "relu"},
        {"type": "conv2d", "in": 8, "out": 16, "kernel": 3, "stride": 1, "padding": 1}, {"type": "batchnorm", "features": 16}, {"type": "relu"},
        {"type": "maxpool", "kernel": 2},
        {"type": "conv2d", "in": 16, "out": 16, "kernel": 3, "stride": 1, "padding": 1}, {"type": "batchnorm", "features": 16}, {"type": "relu"},
        {"type": "conv2d", "in": 16, "out": 16, "kernel": 3, "stride": 1, "padding": 1}, {"type": "batchnorm", "features": 16}, {"type": "relu"},
        {"type": "maxpool", "kernel": 2}, {"type": "flatten"}, {"type": "linear", "in": 1024, "out": 10}]}
    trx, trl = synth(2000, rng)
    xt = torch.tensor(trx, dtype=torch.float32).permute(0, 3, 1, 2) / 255
    yt = torch.tensor(trl)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    model.train()
    for epoch in range(2):
        perm = torch.randperm(len(xt))
        for b in range(0, len(xt), 64):
            i = perm[b:b + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(xt[i]), yt[i]).backward()
            opt.step()
    model.eval()
    with open(os.path.join(OUT, "seq-cnn.json"), "w") as f:
        json.dump(spec, f, indent=1)
    write_safetensors(os.path.join(OUT, "seq-cnn.safetensors"), {k: v.detach() for k, v in model.state_dict().items()})

    x = torch.tensor(xte, dtype=torch.float32).permute(0, 3, 1, 2) / 255
    y = torch.tensor(yte)
    with torch.no_grad():
        logits = model(x)
    eps, alpha, steps = 4 / 255, 1 / 255, 10
    fooled, xadv = pgd(model, x, y, eps, alpha, steps)
    with torch.no_grad():
        adv_logits = model(xadv)
        ibp_eps = 1 / 255
        lo, hi = ibp(model, (x[:16] - ibp_eps).clamp(0, 1), (x[:16] + ibp_eps).clamp(0, 1))
    ref = {
        "note": "scripts/byo_reference.py, PyTorch " + torch.__version__,
        "clean_accuracy": float((logits.argmax(1) == y).float().mean()),
        "logits": logits.tolist(),
        "pgd": {"eps": eps, "alpha": alpha, "steps": steps, "fooled": fooled.int().tolist(),
                "robust_accuracy": float(1 - fooled.float().mean()), "adv_logits_unbroken": adv_logits.tolist()},
        "ibp": {"eps": ibp_eps, "count": 16, "lower": lo.tolist(), "upper": hi.tolist()},
    }
    with open(os.path.join(OUT, "seq-cnn-reference.json"), "w") as f:
        json.dump(ref, f)
    # Every other layer kind, random weights in eval mode: residual (an nn.Sequential subclass,
    # so its layers are named 2.0, 2.1, ...), GELU, Tanh, AvgPool2d, BatchNorm1d, Dropout, no-bias conv.
    class Residual(nn.Sequential):
        def forward(self, x):
            return x + super().forward(x)
    torch.manual_seed(1)
    res = nn.Sequential(
        nn.Conv2d(3, 6, 3, stride=2, padding=1, bias=False), nn.GELU(),
        Residual(nn.Conv2d(6, 6, 3, padding=1), nn.BatchNorm2d(6), nn.Tanh()),
        nn.AvgPool2d(2), nn.Flatten(), nn.Dropout(0.3), nn.Linear(6 * 4 * 4, 12), nn.BatchNorm1d(12), nn.ReLU(), nn.Linear(12, 5),
    )
    for m in res.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    res.eval()
    res_spec = {"name": "seq-res", "input": [16, 16, 3], "layers": [
        {"type": "conv2d", "in": 3, "out": 6, "kernel": 3, "stride": 2, "padding": 1, "bias": False}, {"type": "gelu"},
        {"type": "residual", "layers": [{"type": "conv2d", "in": 6, "out": 6, "kernel": 3, "padding": 1}, {"type": "batchnorm", "features": 6}, {"type": "tanh"}]},
        {"type": "avgpool", "kernel": 2}, {"type": "flatten"}, {"type": "dropout", "p": 0.3},
        {"type": "linear", "in": 96, "out": 12}, {"type": "batchnorm", "features": 12}, {"type": "relu"}, {"type": "linear", "in": 12, "out": 5}]}
    xr = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        res_logits = res(xr)
    with open(os.path.join(OUT, "seq-res.json"), "w") as f:
        json.dump(res_spec, f, indent=1)
    write_safetensors(os.path.join(OUT, "seq-res.safetensors"), {k: v.detach() for k, v in res.state_dict().items()})
    with open(os.path.join(OUT, "seq-res-reference.json"), "w") as f:
        json.dump({"x_nchw": xr.tolist(), "logits": res_logits.tolist(), "state_dict_names": list(res.state_dict().keys())}, f)

    print(json.dumps({"clean_accuracy": ref["clean_accuracy"], "pgd_robust_accuracy": ref["pgd"]["robust_accuracy"]}))


if __name__ == "__main__":
    main()
