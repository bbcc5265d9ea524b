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
  torch-cnn-bn.safetensors         cnn-bn, 28x28x1, 10 classes, after a few training steps, with
                                   batch norm buffers (running_mean, running_var as F32,
                                   num_batches_tracked as I64, as PyTorch saves them)
  torch-cnn-bn-rgb.safetensors     cnn-bn, 15x18x3, 5 classes
  torch-resnet.safetensors         resnet (pre-activation), 28x28x1, 10 classes
  torch-resnet-rgb.safetensors     resnet, 15x20x3 (odd height: stride-2 padding on odd sides), 5 classes
  torch-bn-io.safetensors          for each batch-norm model above:
                                     "<name>.input", "<name>.logits"   eval mode (running statistics)
                                     "<name>.train_input", "<name>.train_labels" (as F32),
                                     "<name>.train_logits"             one training-mode forward
                                     "<name>.after.<buffer>"           every buffer after that forward
                                     "<name>.grad.<param>"             (rgb models only) gradients of
                                                                       the mean cross-entropy of
                                                                       train_logits, PyTorch layout

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


def conv_out(side, k, stride, padding):
    return (side + 2 * padding - k) // stride + 1


class CnnBn(nn.Module):
    """The lab's cnn-bn: 4 x (conv 3x3 no bias -> BatchNorm2d -> ReLU), flatten, fc1, ReLU, fc2."""
    BLOCKS = [(32, 1, 1), (32, 2, 0), (64, 1, 1), (64, 2, 0)]  # out channels, stride, padding

    def __init__(self, channels, height, width, classes):
        super().__init__()
        cin, h, w = channels, height, width
        for i, (cout, stride, padding) in enumerate(self.BLOCKS, 1):
            setattr(self, f'conv{i}', nn.Conv2d(cin, cout, 3, stride=stride, padding=padding, bias=False))
            setattr(self, f'bn{i}', nn.BatchNorm2d(cout))
            cin, h, w = cout, conv_out(h, 3, stride, padding), conv_out(w, 3, stride, padding)
        self.fc1 = nn.Linear(cin * h * w, 128)
        self.fc2 = nn.Linear(128, classes)

    def forward(self, x):
        for i in range(1, len(self.BLOCKS) + 1):
            x = F.relu(getattr(self, f'bn{i}')(getattr(self, f'conv{i}')(x)))
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


class PreActBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False))

    def forward(self, x):
        out = F.relu(self.bn1(x))
        shortcut = self.shortcut(out) if hasattr(self, 'shortcut') else x
        out = self.conv1(out)
        out = self.conv2(F.relu(self.bn2(out)))
        return out + shortcut


class PreActResNet(nn.Module):
    """The lab's resnet: stem conv 16, blocks 16/32/64 (stride 1/2/2), final BN-ReLU, global pool, fc."""

    def __init__(self, channels, height, width, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 3, padding=1, bias=False)
        self.layer1 = nn.Sequential(PreActBlock(16, 16, 1))
        self.layer2 = nn.Sequential(PreActBlock(16, 32, 2))
        self.layer3 = nn.Sequential(PreActBlock(32, 64, 2))
        self.bn = nn.BatchNorm2d(64)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        out = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        out = F.relu(self.bn(out))
        out = torch.flatten(F.adaptive_avg_pool2d(out, 1), 1)
        return self.fc(out)


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
    elif dtype == 'I64':
        data = t.long().numpy().astype('<i8').tobytes()
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


def state_entries(model):
    """A state_dict as safetensors entries: floats as F32, integer buffers as I64 (as PyTorch keeps them)."""
    return [(k, raw(v, 'I64' if v.dtype == torch.int64 else 'F32')) for k, v in model.state_dict().items()]


def batch_norm_fixtures():
    specs = [
        # name, class, (C, H, W), classes, seed, export gradients
        ('cnn-bn', CnnBn, (1, 28, 28), 10, 11, False),
        ('cnn-bn-rgb', CnnBn, (3, 15, 18), 5, 12, True),
        ('resnet', PreActResNet, (1, 28, 28), 10, 13, False),
        ('resnet-rgb', PreActResNet, (3, 15, 20), 5, 14, True),
    ]
    io = []
    for name, cls, (c, h, w), classes, seed, grads in specs:
        torch.manual_seed(seed)
        model = cls(c, h, w, classes)
        gen = torch.Generator().manual_seed(200 + seed)
        x = torch.rand(8, c, h, w, generator=gen)
        target = torch.arange(8) % classes
        # Training mode: every step normalizes with the batch statistics and moves the running
        # statistics (momentum 0.1), so the saved buffers are far from their initial 0 and 1.
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for step in range(30):
            xb = x if step % 2 == 0 else torch.rand(8, c, h, w, generator=gen)
            opt.zero_grad()
            F.cross_entropy(model(xb), target).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            logits = model(x)
        write_safetensors(os.path.join(OUT, f'torch-{name}.safetensors'), state_entries(model), {'format': 'pt'})
        io.append((f'{name}.input', raw(x, 'F32')))
        io.append((f'{name}.logits', raw(logits, 'F32')))
        # One training-mode forward on another batch: its output, the buffers after it, gradients.
        xt = torch.rand(6, c, h, w, generator=gen) * 0.8 + 0.1
        yt = torch.tensor([0, 1, 2, 3, 4, 0]) % classes
        model.train()
        model.zero_grad()
        train_logits = model(xt)
        F.cross_entropy(train_logits, yt).backward()
        io.append((f'{name}.train_input', raw(xt, 'F32')))
        io.append((f'{name}.train_labels', raw(yt.float(), 'F32')))
        io.append((f'{name}.train_logits', raw(train_logits, 'F32')))
        for k, b in model.named_buffers():
            io.append((f'{name}.after.{k}', raw(b, 'I64' if b.dtype == torch.int64 else 'F32')))
        if grads:
            for k, p in model.named_parameters():
                io.append((f'{name}.grad.{k}', raw(p.grad, 'F32')))
    write_safetensors(os.path.join(OUT, 'torch-bn-io.safetensors'), io, {'format': 'pt', 'layout': 'NCHW'})


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

    batch_norm_fixtures()


if __name__ == '__main__':
    main()
