#!/usr/bin/env python3
"""Writes a large insightface-layout RecordIO set for benchmarks and scale checks, the way
insightface's own tools lay it out, with Debian's python3, PIL, numpy and struct only.

  write-large-rec.py OUT.rec IMAGES IDENTITIES [--size PX] [--no-header] [--fast]

Layout (with header, the default): record 0 holds (first identity record, end); records
1…IMAGES are the images, grouped by identity (identity i gets IMAGES // IDENTITIES images, the
first IMAGES % IDENTITIES identities one more); records IMAGES+1… hold each identity's (start,
end) key range. `property` beside the .rec says "IDENTITIES,PX,PX". --no-header writes im2rec's
plain layout instead: keys 0…IMAGES-1, each image labelled by its own header only.

Every image is a distinct PX×PX JPEG (default 16): the identity's colour, a square placed by
the image's number, and noise seeded by the key, so no two records hold the same bytes. With
--fast (for tests: about 100 bytes a record) PIL encodes one PNG per identity, and each image is
made distinct by a tEXt chunk holding its key, inserted after the IHDR chunk.
Prints one JSON line: {"images", "identities", "bytes", "seconds"}.
"""
import argparse
import io
import os
import json
import struct
import sys
import time
import zlib

import numpy as np
from PIL import Image

MAGIC = 0xCED7230A


def record(payload):
    """One single-part RecordIO record: magic, length word (flag 0), data, zero padding to 4 bytes.
    A payload holding the magic word at an aligned position would need MXNet's multi-part split."""
    view = np.frombuffer(payload[: len(payload) // 4 * 4], dtype="<u4")
    assert not (view == MAGIC).any(), "payload holds the magic word: needs multi-part splitting"
    pad = (4 - len(payload) % 4) % 4
    return struct.pack("<II", MAGIC, len(payload)) + payload + b"\0" * pad


def header(flag, label, key, labels=()):
    return struct.pack("<IfQQ", flag, label, key, 0) + b"".join(struct.pack("<f", v) for v in labels)


def jpeg(identity, n, key, size):
    rng = np.random.default_rng(key)
    base = np.array([(identity * 37) % 200 + 30, (identity * 91) % 200 + 30, (identity * 53) % 200 + 30], dtype=np.int16)
    pixels = np.empty((size, size, 3), dtype=np.int16)
    pixels[:] = base
    x0 = (n * 3) % max(1, size - size // 4)
    pixels[size // 4 : size // 2, x0 : x0 + size // 4] //= 4
    pixels += rng.integers(-12, 13, size=pixels.shape, dtype=np.int16)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def png(identity, size):
    out = io.BytesIO()
    colour = ((identity * 37) % 200 + 30, (identity * 91) % 200 + 30, (identity * 53) % 200 + 30)
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


def with_text(png_bytes, key):
    """The same PNG with a tEXt chunk holding `key` after IHDR (8-byte signature + 25-byte IHDR)."""
    body = b"tEXt" + b"key\0%d" % key
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    return png_bytes[:33] + chunk + png_bytes[33:]


def main(argv):
    parser = argparse.ArgumentParser(description="Writes a large insightface-layout .rec/.idx")
    parser.add_argument("out")
    parser.add_argument("images", type=int)
    parser.add_argument("identities", type=int)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--no-header", action="store_true")
    parser.add_argument("--fast", action="store_true")
    opts = parser.parse_args(argv)
    out, images, identities, size, plain = opts.out, opts.images, opts.identities, opts.size, opts.no_header
    started = time.time()
    per = [images // identities + (1 if i < images % identities else 0) for i in range(identities)]
    idx_lines = []
    offset = 0
    with open(out, "wb") as rec:
        def put(key, payload):
            nonlocal offset
            data = record(payload)
            idx_lines.append(f"{key}\t{offset}\n")
            rec.write(data)
            offset += len(data)

        first_key = 0 if plain else 1
        if not plain:
            put(0, header(2, 0.0, 0, (images + 1, images + 1 + identities)))
        key = first_key
        ranges = []
        for identity, count in enumerate(per):
            start = key
            shared = png(identity, size) if opts.fast else None
            for n in range(count):
                image = with_text(shared, key) if shared else jpeg(identity, n, key, size)
                put(key, header(0, float(identity), key) + image)
                key += 1
            ranges.append((start, key))
        if not plain:
            for identity, (start, end) in enumerate(ranges):
                put(images + 1 + identity, header(2, 0.0, images + 1 + identity, (start, end)))
    idx_path = out[: -len(".rec")] + ".idx"
    with open(idx_path, "w") as idx:
        idx.write("".join(idx_lines))
    if not plain:
        with open(os.path.join(os.path.dirname(os.path.abspath(out)), "property"), "w") as prop:
            prop.write(f"{identities},{size},{size}\n")
    print(json.dumps({"images": images, "identities": identities, "bytes": offset, "seconds": round(time.time() - started, 1)}))


if __name__ == "__main__":
    main(sys.argv[1:])
