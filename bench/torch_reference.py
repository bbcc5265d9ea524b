#!/usr/bin/env python3
"""The lab's own PyTorch reference for `npm run bench` (bench/bench.ts runs it).

Measures, with PyTorch on the CPU of this machine, how many images per second three steps
process for the lab's two benchmark networks, built here with the same layers and sizes as
src/core/models/mlp.ts and src/core/models/mnist-cnn.ts (28x28x1 input, 10 classes):

  train_step       forward, mean cross-entropy, backward, one Adam update (lr 1e-3)
  input_grad_step  the gradient of the mean cross-entropy with respect to the input (a PGD step)
  forward          a forward pass without gradients

Each figure is the best over 1..THREADS intra-op threads (on a small or busy machine fewer
threads can be faster), after a short warm-up. Output: one JSON line
  {"torch": version, "threads": N, "batch": B, "images_per_s": {arch: {step: images/s}}}

Usage: /usr/bin/python3 bench/torch_reference.py [--threads N] [--batch B] [--iters K]
Needs PyTorch (Debian: apt-get install python3-torch); without it, exits with status 3 and a
one-line reason on stderr, which the bench prints as the reason the PyTorch column is empty.
"""
import argparse
import json
import os
import sys
import time

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError as err:  # the bench reports this line and carries on without the column
    print(f"PyTorch is not installed ({err}); install python3-torch for the reference figures.", file=sys.stderr)
    sys.exit(3)


def build(arch: str) -> nn.Module:
    """The lab's architectures in PyTorch layout (NCHW)."""
    if arch == "mlp":
        # fc1 784->256, fc2 256->256, fc3 256->10, ReLU between.
        return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    if arch == "mnist-cnn":
        # conv 1->32 3x3, pool 2, conv 32->64 3x3, pool 2 (64x5x5 = 1600 features), fc 1600->128, fc 128->10.
        return nn.Sequential(
            nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
        )
    raise ValueError(arch)


def images_per_second(step, batch: int, iters: int, max_threads: int) -> int:
    best = 0.0
    for threads in range(1, max_threads + 1):
        torch.set_num_threads(threads)
        for _ in range(3):  # warm-up: allocations, kernel choice
            step()
        start = time.perf_counter()
        for _ in range(iters):
            step()
        best = max(best, batch * iters / (time.perf_counter() - start))
    return round(best)


def measure(arch: str, batch: int, iters: int, threads: int) -> dict:
    model = build(arch)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(batch, 1, 28, 28)
    labels = torch.randint(0, 10, (batch,))

    def train_step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()

    def input_grad_step():
        x = images.detach().clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(x), labels), x)
        return grad

    def forward():
        with torch.no_grad():
            return model(images)

    return {name: images_per_second(fn, batch, iters, threads) for name, fn in (("train_step", train_step), ("input_grad_step", input_grad_step), ("forward", forward))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="largest thread count tried (default: all cores)")
    parser.add_argument("--batch", type=int, default=128, help="images per step (default 128, as the bench)")
    parser.add_argument("--iters", type=int, default=20, help="timed steps per thread count")
    args = parser.parse_args()
    torch.manual_seed(0)
    result = {
        "torch": torch.__version__,
        "threads": args.threads,
        "batch": args.batch,
        "images_per_s": {arch: measure(arch, args.batch, args.iters, args.threads) for arch in ("mnist-cnn", "mlp")},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
