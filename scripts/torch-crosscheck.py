#!/usr/bin/python3
"""PyTorch (and NumPy) reference side of the lab's cross-checks. Not run by itself: the TypeScript
driver scripts/torch-crosscheck.ts writes the lab's inputs and results to a folder, runs

    /usr/bin/python3 scripts/torch-crosscheck.py check DIR

and compares. This file computes, for each case in DIR/cases.json (tensors in DIR/inputs.safetensors):

  step      one SGD step (momentum 0) of a training method on the lab's mlp, from the same weights,
            (with "float64": true also in float64, to show float32's own rounding),
            images, labels and the same random draws the lab made (uniform start, or TRADES'
            0.001*N(0,1) start): erm, label-smoothing, sam, pgd-at, fgsm-rs, trades (as
            github.com/yaodongyu/TRADES: no clipping of the start, projection after every step),
            mart (the lab's formula), awp (the lab's one normalised ascent step on the weights),
            avmixup (the lab's mixing weights passed as the last draw), cc-ibp (combine = logits),
            dafa (past its warm-up, with given class weights: class-wise radii and loss weights)
  attack    robust accuracy of L-inf PGD (no random start, signed steps, projection onto the
            eps-ball and [0,1]; a point counts as broken when the clean image or any iterate is
            misclassified) on the lab's mlp
  glass     MNIST-C glass blur statistics computed the original way: skimage's
            gaussian(x, sigma, multichannel=True) on the H x W image (blur down the height only),
            8-bit truncation, pixel swaps each with probability 1/2, blur again. Uses skimage when it
            is installed, else the same filter written with NumPy (scipy.ndimage.gaussian_filter1d
            semantics: radius int(4 sigma + 0.5), mode 'nearest').

Results go to DIR/torch.safetensors and DIR/torch.json.

    /usr/bin/python3 scripts/torch-crosscheck.py trades-fixture

writes test/fixtures/torch-trades-step.safetensors for test/unit/training-trades-torch.test.ts.

Needs Debian's python3-torch and python3-numpy (the glass statistics need NumPy only). Without
them, `check` writes {"skipped": reason} and exits 0, so the driver can say why.
"""
import json
import os
import struct
import sys

try:
    import numpy as np
except ImportError:  # pragma: no cover
    np = None
try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))

DTYPES = {'F32': ('<f4', 4), 'I32': ('<i4', 4), 'I64': ('<i8', 8), 'U8': ('|u1', 1)}


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf8'))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        dt, _ = DTYPES[info['dtype']]
        a, b = info['data_offsets']
        out[name] = np.frombuffer(raw[base + a:base + b], dtype=dt).reshape(info['shape']).copy()
    return out


def write_safetensors(path, tensors):
    header = {}
    blobs = []
    off = 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        code = {np.dtype('float32'): 'F32', np.dtype('int32'): 'I32', np.dtype('int64'): 'I64', np.dtype('uint8'): 'U8'}[arr.dtype]
        data = arr.astype(DTYPES[code][0]).tobytes()
        header[name] = {'dtype': code, 'shape': list(arr.shape), 'data_offsets': [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header).encode('utf8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


# ----------------------------------------------------------------------------------------------
# The lab's mlp: flatten (C, H, W order) -> fc1 (256) -> ReLU -> fc2 (256) -> ReLU -> fc3.

def mlp(w, x):
    h = x.reshape(x.shape[0], -1)
    h = F.relu(F.linear(h, w['fc1.weight'], w['fc1.bias']))
    h = F.relu(F.linear(h, w['fc2.weight'], w['fc2.bias']))
    return F.linear(h, w['fc3.weight'], w['fc3.bias'])


def kl_sum(clean_logits, adv_logits):
    # nn.KLDivLoss(size_average=False)(log_softmax(adv), softmax(clean)), as in TRADES.
    return F.kl_div(F.log_softmax(adv_logits, dim=1), F.softmax(clean_logits, dim=1), reduction='sum')


def project(x_adv, x, eps):
    x_adv = torch.min(torch.max(x_adv, x - eps), x + eps)
    return torch.clamp(x_adv, 0.0, 1.0)


def linf_steps(w, x, x_adv, eps, steps, alpha, objective):
    for _ in range(steps):
        x_adv = x_adv.detach().requires_grad_(True)
        loss = objective(mlp(w, x_adv))
        (g,) = torch.autograd.grad(loss, [x_adv])
        x_adv = project(x_adv.detach() + alpha * torch.sign(g), x, eps)
    return x_adv.detach()


def method_loss(case, w, x, y, draws):
    m = case['method']
    p = case['params']
    eps = p.get('eps', 0.0)
    steps = int(p.get('steps', 0))
    alpha = p.get('stepSize', 0.0) or (2.5 * eps / max(1, steps))
    ce_sum = lambda z: F.cross_entropy(z, y, reduction='sum')
    start_uniform = lambda: project(x + torch.from_numpy(draws[0]).reshape(x.shape) * eps, x, eps)
    if m in ('erm', 'sam'):
        return F.cross_entropy(mlp(w, x), y)
    if m == 'label-smoothing':
        return F.cross_entropy(mlp(w, x), y, label_smoothing=p['smoothing'])
    if m == 'avmixup':
        # Lee et al. as the lab writes it: vertex x + gamma (x' - x), mixed with x by lambda per
        # image (the lab's draws, passed as the last draw), label-smoothed targets.
        x0 = start_uniform() if p.get('randomStart') else x.clone()
        x_adv = linf_steps(w, x, x0, eps, steps, alpha, ce_sum)
        lam = torch.from_numpy(draws[-1]).reshape(-1, 1, 1, 1)
        vertex = x + p['gamma'] * (x_adv - x)
        mixed = torch.clamp(lam * x + (1 - lam) * vertex, 0, 1)
        k = 10
        def smooth(zeta):
            one = F.one_hot(y, k).float()
            return one * zeta + (1 - one) * ((1 - zeta) / (k - 1))
        lam2 = lam.reshape(-1, 1)
        target = lam2 * smooth(p['zetaClean']) + (1 - lam2) * smooth(p['zetaVertex'])
        return -(target * F.log_softmax(mlp(w, mixed), dim=1)).sum(1).mean()
    if m == 'cc-ibp':
        # De Palma et al. (combine = logits) as the lab computes it: a short attack from a uniform
        # start, IBP margin lower bounds over [x - eps, x + eps] intersected with [0, 1] with the
        # margin specification merged into the last layer, mixed = (1 - a)(z' - z'_y) + a (-lb).
        e = p['effEps']
        x_adv = linf_steps(w, x, project(x + torch.from_numpy(draws[0]).reshape(x.shape) * e, x, e), e, int(p['attackSteps']), 2.5 * e / int(p['attackSteps']), ce_sum)
        lo, hi = torch.clamp(x - e, 0, 1).reshape(x.shape[0], -1), torch.clamp(x + e, 0, 1).reshape(x.shape[0], -1)
        c, r = (hi + lo) / 2, (hi - lo) / 2
        for layer in ('fc1', 'fc2'):
            c, r = F.linear(c, w[layer + '.weight'], w[layer + '.bias']), F.linear(r, w[layer + '.weight'].abs())
            lo, hi = F.relu(c - r), F.relu(c + r)
            c, r = (hi + lo) / 2, (hi - lo) / 2
        k = 10
        spec = F.one_hot(y, k).float()[:, None, :] - torch.eye(k)[None]  # [N, K, K]: e_y - e_k
        eff = spec @ w['fc3.weight']  # [N, K, 256]
        center = (eff * c[:, None, :]).sum(-1) + (spec * w['fc3.bias']).sum(-1)
        lb = center - (eff.abs() * r[:, None, :]).sum(-1)
        adv = mlp(w, x_adv)
        adv_y = (adv * F.one_hot(y, k).float()).sum(1, keepdim=True)
        a = p['alpha']
        return F.cross_entropy((1 - a) * (adv - adv_y) + a * (-lb), y)
    if m in ('pgd-at', 'mart', 'awp'):
        x0 = start_uniform() if p.get('randomStart') else x.clone()
        x_adv = linf_steps(w, x, x0, eps, steps, alpha, ce_sum)
        if m in ('pgd-at', 'awp'):
            case['_x_adv'] = x_adv
            return F.cross_entropy(mlp(w, x_adv), y)
        clean, adv = mlp(w, x), mlp(w, x_adv)
        k = adv.shape[1]
        p_adv = F.softmax(adv, dim=1)
        mask = F.one_hot(y, k).float()
        wrong_max = (p_adv - 2 * mask).max(dim=1).values
        bce = F.cross_entropy(adv, y, reduction='none') - torch.log(1.0001 - wrong_max + 1e-12)
        p_clean = (F.softmax(clean, dim=1) * mask).sum(1)
        kl = (F.softmax(clean, dim=1) * (F.log_softmax(clean, dim=1) - F.log_softmax(adv, dim=1))).sum(1) * (1.0000001 - p_clean)
        return bce.mean() + p['lambda'] * kl.mean()
    if m == 'dafa':
        # Past the warm-up, as the lab writes it: class i's points get radius and step size scaled by
        # min(W_i, 1/eps) (a uniform start in that radius), and their cross-entropy weighted by W_i.
        W = torch.tensor(p['classWeights'], dtype=x.dtype)
        s = torch.clamp(W[y], max=1.0 / eps).reshape(-1, 1, 1, 1)
        e, a = s * eps, s * alpha
        x0 = project(x + torch.from_numpy(draws[0]).reshape(x.shape).to(x.dtype) * e, x, e) if p.get('randomStart') else x.clone()
        x_adv = linf_steps(w, x, x0, e, steps, a, ce_sum)
        return (F.cross_entropy(mlp(w, x_adv), y, reduction='none') * W[y]).mean()
    if m == 'fgsm-rs':
        alpha = p['alphaFactor'] * eps
        return F.cross_entropy(mlp(w, linf_steps(w, x, start_uniform(), eps, 1, alpha, ce_sum)), y)
    if m == 'trades':
        clean_fixed = mlp(w, x).detach()
        x_adv = x + torch.from_numpy(draws[0]).reshape(x.shape)  # 0.001*N(0,1), not clipped
        if steps > 0:
            x_adv = linf_steps(w, x, x_adv, eps, steps, alpha, lambda z: kl_sum(clean_fixed, z))
        x_adv = torch.clamp(x_adv, 0.0, 1.0)
        clean = mlp(w, x)
        return F.cross_entropy(clean, y) + p['beta'] * kl_sum(clean, mlp(w, x_adv)) / x.shape[0]
    raise ValueError('unknown method ' + m)


def sgd_step(case, t):
    names = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']
    prefix = case['id'] + '.'
    w = {n: torch.from_numpy(t[prefix + n]).requires_grad_(True) for n in names}
    x = torch.from_numpy(t[prefix + 'x'])
    y = torch.from_numpy(t[prefix + 'y'].astype(np.int64))
    draws = [t[k] for k in sorted(k for k in t if k.startswith(prefix + 'draw'))]
    loss = method_loss(case, w, x, y, draws)
    grads = torch.autograd.grad(loss, [w[n] for n in names])
    if case['method'] == 'awp':
        # The lab's AWP: every weight matrix (not the biases) moves by gamma * ||w|| * g / ||g||
        # (per-tensor norms) along the gradient of the adversarial loss; the gradient there is
        # applied at w.
        gamma = case['params']['gamma']
        moved = {}
        for n, g in zip(names, grads):
            d = g * (w[n].detach().norm() * gamma / (g.norm() + 1e-12)) if w[n].dim() >= 2 else torch.zeros_like(g)
            moved[n] = (w[n].detach() + d).requires_grad_(True)
        loss_moved = F.cross_entropy(mlp(moved, case['_x_adv']), y)
        grads = torch.autograd.grad(loss_moved, [moved[n] for n in names])
    if case['method'] == 'sam':
        # Foret et al.: the gradient at w + rho * g / ||g|| (global norm), applied at w.
        norm = torch.sqrt(sum((g * g).sum() for g in grads))
        moved = {n: (w[n].detach() + case['params']['rho'] * g / (norm + 1e-12)).requires_grad_(True) for n, g in zip(names, grads)}
        grads = torch.autograd.grad(method_loss(case, moved, x, y, draws), [moved[n] for n in names])
    lr = case['params']['lr']
    out = {prefix + 'after.' + n: (w[n].detach() - lr * g).numpy() for n, g in zip(names, grads)}
    if case.get('float64') and torch.get_default_dtype() == torch.float32:
        # The same step in float64: how far float32 rounding alone moves PyTorch's own update.
        torch.set_default_dtype(torch.float64)
        try:
            t64 = {k: (v.astype(np.float64) if v.dtype == np.float32 else v) for k, v in t.items()}
            o64, _ = sgd_step({**case, 'float64': False}, t64)
        finally:
            torch.set_default_dtype(torch.float32)
        out.update({k.replace('.after.', '.after64.'): v.astype(np.float32) for k, v in o64.items()})
    return out, {'loss': float(loss)}


def pgd_robust(case, t):
    prefix = case['id'] + '.'
    names = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']
    w = {n: torch.from_numpy(t[prefix + n]) for n in names}
    x = torch.from_numpy(t[prefix + 'x'])
    y = torch.from_numpy(t[prefix + 'y'].astype(np.int64))
    p = case['params']
    fooled = mlp(w, x).argmax(1) != y
    x_adv = x.clone()
    for _ in range(int(p['steps'])):
        x_adv = linf_steps(w, x, x_adv, p['eps'], 1, p['stepSize'], lambda z: F.cross_entropy(z, y, reduction='sum'))
        with torch.no_grad():
            fooled |= mlp(w, x_adv).argmax(1) != y
    return {}, {'robust': int((~fooled).sum()), 'count': int(x.shape[0])}


# ----------------------------------------------------------------------------------------------
# MNIST-C glass blur, the original way.

def gaussian_rows(img, sigma):
    """skimage.filters.gaussian(img, sigma, multichannel=True) for a 2-D float image."""
    try:
        from skimage.filters import gaussian
        try:
            return gaussian(img, sigma=sigma, channel_axis=-1)
        except TypeError:
            return gaussian(img, sigma=sigma, multichannel=True)
    except ImportError:
        r = int(4.0 * sigma + 0.5)
        k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
        k /= k.sum()
        pad = np.pad(img, ((r, r), (0, 0)), mode='edge')
        return sum(k[i] * pad[i:i + img.shape[0]] for i in range(2 * r + 1))


def glass_blur_original(x, rng, severity=1):
    c = [(0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)][severity - 1]
    size = x.shape[0]
    x = np.uint8(gaussian_rows(np.array(x) / 255., c[0]) * 255)
    for _ in range(c[2]):
        for h in range(size - c[1], c[1], -1):
            for w in range(size - c[1], c[1], -1):
                if rng.choice([True, False], 1)[0]:
                    dx, dy = rng.randint(-c[1], c[1], size=(2,))
                    hp, wp = h + dy, w + dx
                    x[h, w], x[hp, wp] = x[hp, wp], x[h, w]
    return np.clip(gaussian_rows(x / 255., c[0]), 0, 1) * 255


def glass_stats(case, t):
    imgs = t[case['id'] + '.images']  # N x H x W uint8
    rng = np.random.RandomState(case['params'].get('seed', 0))
    out = np.stack([glass_blur_original(im, rng) for im in imgs])
    out8 = np.uint8(out)
    changed = float((out8 != imgs).mean())
    gx = np.abs(np.diff(out / 255., axis=2)).mean()
    gy = np.abs(np.diff(out / 255., axis=1)).mean()
    return {}, {'changed': changed, 'hv_ratio': float(gx / gy), 'skimage': _has_skimage()}


def _has_skimage():
    try:
        import skimage  # noqa: F401
        return True
    except ImportError:
        return False


def check(folder):
    cases = json.load(open(os.path.join(folder, 'cases.json')))
    missing = None
    if np is None:
        missing = 'NumPy is not installed for ' + sys.executable + ' (on Debian: apt-get install python3-numpy)'
    elif torch is None and any(c['kind'] != 'glass' for c in cases):
        missing = 'PyTorch is not installed for ' + sys.executable + ' (on Debian: apt-get install python3-torch)'
    if missing:
        with open(os.path.join(folder, 'torch.json'), 'w') as f:
            json.dump({'skipped': missing}, f)
        return
    if torch is not None:
        torch.set_default_dtype(torch.float32)
    t = read_safetensors(os.path.join(folder, 'inputs.safetensors'))
    tensors, results = {}, {}
    for case in cases:
        fn = {'step': sgd_step, 'attack': pgd_robust, 'glass': glass_stats}[case['kind']]
        out, res = fn(case, t)
        tensors.update(out)
        results[case['id']] = res
    if tensors:
        write_safetensors(os.path.join(folder, 'torch.safetensors'), tensors)
    with open(os.path.join(folder, 'torch.json'), 'w') as f:
        json.dump({'results': results, 'torch': torch.__version__ if torch is not None else None}, f)


def trades_fixture():
    """One TRADES step on a fixed mlp (8x8 grey images, 3 classes) with known start noise."""
    torch.manual_seed(0)
    n, side, k = 6, 8, 3
    names = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias']
    fc1, fc2, fc3 = torch.nn.Linear(side * side, 256), torch.nn.Linear(256, 256), torch.nn.Linear(256, k)
    w = {}
    for layer, name in ((fc1, 'fc1'), (fc2, 'fc2'), (fc3, 'fc3')):
        w[name + '.weight'] = layer.weight.detach().clone()
        w[name + '.bias'] = layer.bias.detach().clone()
    # Images with pixels at 0 and 1 as well: where the unclipped start matters.
    x = torch.rand(n, 1, side, side)
    x[:, :, :2, :] = 0.0
    x[:, :, -2:, :] = 1.0
    y = torch.arange(n) % k
    noise = 0.001 * torch.randn(x.shape)
    params = {'beta': 6.0, 'eps': 0.1, 'steps': 3, 'stepSize': 0.03, 'lr': 0.1}
    case = {'id': 'c', 'method': 'trades', 'params': params}
    t = {'c.' + n_: v.numpy() for n_, v in w.items()}
    t.update({'c.x': x.numpy(), 'c.y': y.numpy().astype(np.float32), 'c.draw0': noise.numpy()})
    after, res = sgd_step(case, t)
    # Also the adversarial images after the three steps and the clipped-start variant's, for the test.
    wt = {n_: torch.from_numpy(t['c.' + n_]) for n_ in names}
    clean = mlp(wt, x).detach()
    obj = lambda z: kl_sum(clean, z)
    x_adv = torch.clamp(linf_steps(wt, x, x + noise, 0.1, 3, 0.03, obj), 0, 1)
    x_adv1 = linf_steps(wt, x, x + noise, 0.1, 1, 0.03, obj)
    out = {k_: v for k_, v in t.items()}
    out.update({k_.replace('c.after.', 'after.'): v for k_, v in after.items()})
    out = {k_.replace('c.', '', 1) if k_.startswith('c.') else k_: v for k_, v in out.items()}
    out['x_adv'] = x_adv.numpy()
    out['x_adv_step1'] = x_adv1.numpy()
    out['loss'] = np.array([res['loss']], dtype=np.float32)
    path = os.path.join(HERE, '..', 'test', 'fixtures', 'torch-trades-step.safetensors')
    write_safetensors(path, out)
    print('wrote', os.path.normpath(path), 'loss', res['loss'])


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'check':
        check(sys.argv[2])
    elif len(sys.argv) >= 2 and sys.argv[1] == 'trades-fixture':
        if torch is None:
            print('skipped: PyTorch is not installed for ' + sys.executable + ' (on Debian: apt-get install python3-torch)')
            sys.exit(0)
        trades_fixture()
    else:
        print(__doc__)
        sys.exit(2)
