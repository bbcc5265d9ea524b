#!/usr/bin/python3
"""Builds the lab's architectures in PyTorch and writes test fixtures that check PyTorch import.

Writes to test/fixtures/:
  torch-mnist-cnn.safetensors      mnist-cnn, 28x28x1 input, 10 classes (a plain PyTorch state_dict)
  torch-mlp.safetensors            mlp, 28x28x1 input, 10 classes
  torch-mnist-cnn-rgb.safetensors  mnist-cnn, 16x20x3 input (not square, 3 channels), 5 classes
  torch-mlp-rgb.safetensors        mlp, 6x8x3 input, 4 classes
  torch-io.safetensors             for each model above: "<name>.input" (NCHW, as PyTorch takes it)
                                   and "<name>.logits" (PyTorch's output on that input)
  torch-dtypes.safetensors         one tensor in F32, F16, BF16 and F64, plus the F16 and BF16
                                   values widened back to F32 by PyTorch (the exact expected decode)

No safetensors package is needed: the format is written by hand (8-byte little-endian header
length, JSON header padded with spaces to 8-byte alignment, raw little-endian data).

Run with Debian's PyTorch:  /usr/bin/python3 scripts/make-torch-fixture.py
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures')


def feature_side(side):
    return ((side - 2) // 2 - 2) // 2


class MnistCnn(nn.Module):
    def __init__(self, channels, height, width, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(64 * feature_side(height) * feature_side(width), 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return self.fc2(x)


class Mlp(nn.Module):
    def __init__(self, channels, height, width, classes):
        super().__init__()
        self.fc1 = nn.Linear(channels * height * width, 256)
        self.fc2 = nn.Linear(256, 256)
        self.fc3 = nn.Linear(256, classes)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def raw(t, dtype):
    """(safetensors dtype, little-endian bytes, shape) of a tensor."""
    t = t.detach().contiguous().cpu()
    if dtype == 'F32':
        data = t.float().numpy().astype('<f4').tobytes()
    elif dtype == 'F64':
        data = t.double().numpy().astype('<f8').tobytes()
    elif dtype == 'F16':
        data = t.half().numpy().astype('<f2').tobytes()
    elif dtype == 'BF16':
        data = t.bfloat16().view(torch.int16).numpy().astype('<i2').tobytes()
    else:
        raise ValueError(dtype)
    return dtype, data, list(t.shape)


def write_safetensors(path, entries, metadata=None):
    """entries: list of (name, (dtype, bytes, shape)) in file order."""
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    offset = 0
    for name, (dtype, data, shape) in entries:
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for _, (_, data, _) in entries:
            f.write(data)
    print(f'wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)')


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    specs = [
        # name, class, (C, H, W), classes, seed
        ('mnist-cnn', MnistCnn, (1, 28, 28), 10, 1),
        ('mlp', Mlp, (1, 28, 28), 10, 2),
        ('mnist-cnn-rgb', MnistCnn, (3, 16, 20), 5, 3),
        ('mlp-rgb', Mlp, (3, 6, 8), 4, 4),
    ]
    io = []
    for name, cls, (c, h, w), classes, seed in specs:
        torch.manual_seed(seed)
        model = cls(c, h, w, classes)
        gen = torch.Generator().manual_seed(100 + seed)
        x = torch.rand(8, c, h, w, generator=gen)  # pixels in [0, 1], NCHW
        # A few training steps to tell the inputs apart, so that the predicted classes differ
        # between inputs (untrained, every input gets the same class and argmax tests nothing).
        target = torch.arange(8) % classes
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in range(40):
            opt.zero_grad()
            F.cross_entropy(model(x), target).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(x)
        entries = [(k, raw(v, 'F32')) for k, v in model.state_dict().items()]
        write_safetensors(os.path.join(OUT, f'torch-{name}.safetensors'), entries, {'format': 'pt'})
        io.append((f'{name}.input', raw(x, 'F32')))
        io.append((f'{name}.logits', raw(logits, 'F32')))
    write_safetensors(os.path.join(OUT, 'torch-io.safetensors'), io, {'format': 'pt', 'layout': 'NCHW'})

    gen = torch.Generator().manual_seed(7)
    ref = torch.randn(3, 7, generator=gen) * 10
    # Values that exercise the conversions: zero, negative zero, a float16 subnormal, large,
    # values that round differently in float16 and bfloat16.
    ref[0, :7] = torch.tensor([0.0, -0.0, 3e-6, -6.1e-5, 60000.0, 1.0009765625, -2.71828])
    dtypes = [
        ('ref', raw(ref, 'F32')),
        ('as_f16', raw(ref, 'F16')),
        ('as_bf16', raw(ref, 'BF16')),
        ('as_f64', raw(ref.double(), 'F64')),
        ('f16_as_f32', raw(ref.half().float(), 'F32')),
        ('bf16_as_f32', raw(ref.bfloat16().float(), 'F32')),
    ]
    write_safetensors(os.path.join(OUT, 'torch-dtypes.safetensors'), dtypes, {'format': 'pt'})


if __name__ == '__main__':
    main()
