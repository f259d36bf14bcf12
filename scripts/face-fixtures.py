#!/usr/bin/env python3
"""Small insightface-style face data written with Python's own tools (Debian python3: PIL, struct,
pickle), for the face-backbone workflow tests.

  face-fixtures.py OUT_DIR IDENTITIES PER_IDENTITY PAIRS [SIZE]

writes into OUT_DIR:
  train.rec, train.idx, property   MXNet RecordIO as insightface's im2rec writes it: record 0 the
                                   header (flag 2, label = [first identity record, end]), then one
                                   record per image (flag 0, label = identity, JPEG bytes), then one
                                   range record per identity (flag 2, label = [first, end) image keys).
  val.bin, val2.bin                verification sets: pickle.dump((bins, issame), protocol=4) of PNG
                                   bytes, PAIRS pairs each, half genuine (val2 uses other variants).

Each identity is a face-like drawing (a skin-tone oval, eyes, mouth) whose colours and proportions
are fixed per identity; each image varies the position a little and adds noise, so a model can
learn something in a few steps but nothing is trivially constant.
"""
import io
import os
import pickle
import random
import struct
import sys

from PIL import Image, ImageDraw

MAGIC = 0xCED7230A


def face(identity, variant, size):
    rng = random.Random(identity * 7919 + variant * 104729)
    ident = random.Random(identity * 31337)
    background = tuple(ident.randrange(0, 256) for _ in range(3))
    skin = tuple(ident.randrange(90, 256) for _ in range(3))
    eye = tuple(ident.randrange(0, 120) for _ in range(3))
    width = size * ident.uniform(0.45, 0.7)
    height = size * ident.uniform(0.6, 0.85)
    dx, dy = rng.uniform(-0.06, 0.06) * size, rng.uniform(-0.06, 0.06) * size
    cx, cy = size / 2 + dx, size / 2 + dy
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse([cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2], fill=skin)
    spread = width * ident.uniform(0.18, 0.3)
    r = size * ident.uniform(0.03, 0.07)
    for side in (-1, 1):
        ex, ey = cx + side * spread, cy - height * 0.12
        draw.ellipse([ex - r, ey - r, ex + r, ey + r], fill=eye)
    mouth = width * ident.uniform(0.15, 0.35)
    my = cy + height * 0.22
    draw.rectangle([cx - mouth, my - size * 0.02, cx + mouth, my + size * 0.02], fill=eye)
    pixels = image.load()
    for _ in range(size * size // 16):
        x, y = rng.randrange(size), rng.randrange(size)
        pixels[x, y] = tuple(rng.randrange(256) for _ in range(3))
    return image


def encode(image, fmt):
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()


def ir_header(flag, label, key):
    """IRHeader (uint32 flag, float32 label, uint64 id, uint64 id2) plus `flag` float32 labels."""
    if flag == 0:
        return struct.pack("<IfQQ", 0, float(label), key, 0)
    return struct.pack("<IfQQ", flag, 0.0, key, 0) + struct.pack(f"<{flag}f", *label)


def write_rec(out_dir, identities, per_identity, size):
    records = []
    first_identity_record = 1 + identities * per_identity
    records.append(ir_header(2, [first_identity_record, first_identity_record + identities], 0))
    for identity in range(identities):
        for variant in range(per_identity):
            key = len(records)
            records.append(ir_header(0, identity, key) + encode(face(identity, variant, size), "JPEG"))
    for identity in range(identities):
        start = 1 + identity * per_identity
        records.append(ir_header(2, [start, start + per_identity], len(records)))
    offsets = []
    with open(os.path.join(out_dir, "train.rec"), "wb") as rec:
        for payload in records:
            offsets.append(rec.tell())
            rec.write(struct.pack("<II", MAGIC, len(payload)))
            rec.write(payload)
            rec.write(b"\0" * ((4 - len(payload) % 4) % 4))
    with open(os.path.join(out_dir, "train.idx"), "w") as idx:
        for key, offset in enumerate(offsets):
            idx.write(f"{key}\t{offset}\n")
    with open(os.path.join(out_dir, "property"), "w") as prop:
        prop.write(f"{identities},{size},{size}\n")


def write_bin(path, identities, pairs, size, variant_base):
    bins, issame = [], []
    for i in range(pairs):
        same = i % 2 == 0
        a = i % identities
        b = a if same else (a + 1 + i // 2) % identities
        bins.append(encode(face(a, variant_base + 2 * i, size), "PNG"))
        bins.append(encode(face(b, variant_base + 2 * i + 1, size), "PNG"))
        issame.append(same)
    with open(path, "wb") as f:
        pickle.dump((bins, issame), f, protocol=4)


def main():
    out_dir, identities, per_identity, pairs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    size = int(sys.argv[5]) if len(sys.argv) > 5 else 112
    os.makedirs(out_dir, exist_ok=True)
    write_rec(out_dir, identities, per_identity, size)
    write_bin(os.path.join(out_dir, "val.bin"), identities, pairs, size, 1000)
    write_bin(os.path.join(out_dir, "val2.bin"), identities, pairs, size, 5000)


if __name__ == "__main__":
    main()
