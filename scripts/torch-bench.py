#!/usr/bin/env python3
"""Training throughput of one backbone in PyTorch, for comparison with `npm run bench -- train`.

The network is built from the engine's own backbone description (a JSON BackboneSpec on stdin:
conv, depthwise, bn, relu, prelu, maxpool, flatten, dense, dropout, residual), so both sides train
the same layers. The head is a normalized-softmax layer (s = 30) over CLASSES centres, SGD with
momentum 0.9, batch BATCH; the figure is the median step time after warm-up.

usage: torch-bench.py CLASSES BATCH STEPS WARMUP DEVICE < spec.json     (DEVICE: cpu or cuda)
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def build(layers, channels, flat=False):
    """An nn.Sequential of the spec's layers and the channel count it ends with."""
    modules = []
    for layer in layers:
        kind = layer["kind"]
        if kind in ("conv", "depthwise"):
            out = layer["filters"] if kind == "conv" else channels
            k, stride = layer["kernel"], layer["stride"]
            pad = k // 2 if layer["padding"] == "same" else 0
            groups = 1 if kind == "conv" else channels
            modules.append(nn.Conv2d(channels, out, k, stride, pad, groups=groups, bias=bool(layer.get("bias"))))
            channels = out
        elif kind == "bn":
            modules.append(nn.BatchNorm1d(channels) if flat else nn.BatchNorm2d(channels))
        elif kind == "relu":
            modules.append(nn.ReLU())
        elif kind == "prelu":
            modules.append(nn.PReLU(channels))
        elif kind == "maxpool":
            modules.append(nn.MaxPool2d(layer["size"], layer["stride"]))
        elif kind == "flatten":
            modules.append(nn.Flatten())
            flat = True
            channels = None  # the next dense layer infers its input size
        elif kind == "dense":
            modules.append(nn.LazyLinear(layer["units"], bias=bool(layer.get("bias"))))
            channels = layer["units"]
        elif kind == "dropout":
            modules.append(nn.Dropout(layer["rate"]))
        elif kind == "residual":
            body, body_channels = build(layer["body"], channels)
            shortcut, _ = build(layer["shortcut"], channels) if layer["shortcut"] else (nn.Identity(), channels)
            modules.append(Residual(body, shortcut))
            channels = body_channels
        else:
            raise SystemExit(f"unknown layer kind {kind!r}")
    return nn.Sequential(*modules), channels


class Residual(nn.Module):
    def __init__(self, body, shortcut):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def main():
    classes, batch, steps, warmup = (int(a) for a in sys.argv[1:5])
    device = torch.device(sys.argv[5])
    spec = json.load(sys.stdin)
    h, w, c = spec["input"]
    net, _ = build(spec["layers"], c)
    net.to(device)
    x = torch.randn(batch, c, h, w, device=device)
    y = torch.randint(0, classes, (batch,), device=device)
    with torch.no_grad():
        dim = net(x[:2]).shape[1]
    centres = nn.Parameter(torch.randn(classes, dim, device=device) / dim**0.5)
    opt = torch.optim.SGD(list(net.parameters()) + [centres], lr=0.01, momentum=0.9, weight_decay=5e-4)
    times = []
    for step in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        logits = 30 * F.normalize(net(x)) @ F.normalize(centres).t()
        loss = F.cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if step >= warmup:
            times.append(time.perf_counter() - start)
    step_s = statistics.median(times)
    print(json.dumps({"device": str(device), "threads": torch.get_num_threads(), "batch": batch, "medianStepMs": 1000 * step_s, "imagesPerSecond": batch / step_s}))


if __name__ == "__main__":
    main()
