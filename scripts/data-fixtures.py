#!/usr/bin/env python3
"""Independent reference for the dataset tests (Debian python3, standard library only).

  write-bin SPEC.json   writes a verification .bin the way Python does: pickle.dump((bins, issame))
                        with protocol 0, 2, 3, 4 or 5, or as Python 2's pickler writes str
                        objects: "py2" (protocol 2: SHORT_BINSTRING/BINSTRING + BINPUT memo) or
                        "py2-0" (protocol 0, Python 2's default: repr-quoted STRING lines).
                        SPEC: {"out", "protocol", "images": [paths], "issame": [bool], "shape",
                        "container"} with shape "ok" | "odd" | "dict" and container "bytes" |
                        "bytearray".
  read-bin FILE         loads a .bin with pickle.load(f, encoding="bytes") (as insightface does)
                        and prints {"bins": [sha1…], "issame": […]} as JSON.
  hostile-rec CASE OUT.rec
                        writes a small hostile .rec and its .idx byte by byte with struct; CASE:
                        header-range-1e9 (40 bytes: header record 0 declares identities 1…1e9),
                        label-1e8 (44 bytes: one plain image record labelled 1e8),
                        length-past-end (40 bytes: a length word declaring 2^29-1 bytes),
                        multipart-3k (one record in three parts of 1000 bytes, joined 3008),
                        multipart-unended (a first part and continuations, never a last part),
                        continuation-first (the index points at a middle part, flag 2).
  read-rec FILE.rec     reads a .rec/.idx pair with struct and prints, per index key,
                        {"key", "flag", "label": […], "sha1" of the image bytes} as JSON.
"""
import hashlib
import json
import pickle
import struct
import sys


def py2_pickle(bins, issame):
    """Protocol 2 as Python 2 wrote it: str objects as (SHORT_)BINSTRING, memoised with BINPUT."""
    out = bytearray(b"\x80\x02]q\x00(")
    memo = 1
    for b in bins:
        out += (b"U" + bytes([len(b)])) if len(b) < 256 else (b"T" + struct.pack("<i", len(b)))
        out += b
        out += b"q" + bytes([memo % 256])
        memo += 1
    out += b"e]q" + bytes([memo % 256]) + b"("
    out += b"".join(b"\x88" if s else b"\x89" for s in issame)
    out += b"e\x86q" + bytes([(memo + 1) % 256]) + b"."
    return bytes(out)


def py2_protocol0(bins, issame):
    """Protocol 0 as Python 2 wrote it by default: str as repr-quoted STRING, bools as I01/I00."""
    out = bytearray(b"((lp0\n")
    memo = 1
    for b in bins:
        out += b"S" + repr(b)[1:].encode("ascii") + b"\np" + str(memo).encode() + b"\na"
        memo += 1
    out += b"(lp" + str(memo).encode() + b"\n"
    out += b"".join(b"I01\na" if s else b"I00\na" for s in issame)
    out += b"tp" + str(memo + 1).encode() + b"\n."
    return bytes(out)


def write_bin(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    bins = []
    for path in spec["images"]:
        with open(path, "rb") as f:
            data = f.read()
        bins.append(bytearray(data) if spec.get("container") == "bytearray" else data)
    issame = [bool(s) for s in spec["issame"]]
    shape = spec.get("shape", "ok")
    if shape == "odd":
        bins = bins[:-1]
    obj = {"bins": bins, "issame": issame} if shape == "dict" else (bins, issame)
    protocol = spec["protocol"]
    if protocol == "py2":
        data = py2_pickle(bins, issame)
    elif protocol == "py2-0":
        data = py2_protocol0(bins, issame)
    else:
        data = pickle.dumps(obj, protocol=int(protocol))
    with open(spec["out"], "wb") as f:
        f.write(data)


def read_bin(path):
    with open(path, "rb") as f:
        bins, issame = pickle.load(f, encoding="bytes")
    print(json.dumps({"bins": [hashlib.sha1(bytes(b)).hexdigest() for b in bins], "issame": [bool(s) for s in issame]}))


def rec_part(flag, payload, declared=None):
    """A RecordIO part: magic, length word (flag << 29 | length), data, zero padding to 4 bytes."""
    length = len(payload) if declared is None else declared
    pad = (4 - len(payload) % 4) % 4
    return struct.pack("<II", 0xCED7230A, (flag << 29) | length) + payload + b"\0" * pad


def ir_header(flag, label, labels=()):
    return struct.pack("<IfQQ", flag, label, 0, 0) + b"".join(struct.pack("<f", v) for v in labels)


def hostile_rec(case, out):
    jpeg_start = b"\xff\xd8\xff\xe0" + b"\0" * 8
    records = {
        "header-range-1e9": [rec_part(0, ir_header(2, 0.0, (1.0, 1e9)))],
        "label-1e8": [rec_part(0, ir_header(0, 1e8) + jpeg_start)],
        "length-past-end": [rec_part(0, ir_header(0, 0.0) + b"\0" * 8, declared=(1 << 29) - 1)],
        "multipart-3k": [rec_part(1, ir_header(0, 0.0) + b"\1" * 976) + rec_part(2, b"\2" * 1000) + rec_part(3, b"\3" * 1000)],
        "multipart-unended": [rec_part(1, ir_header(0, 0.0) + b"\1" * 16) + b"".join(rec_part(2, b"\2" * 16) for _ in range(8))],
        "continuation-first": [rec_part(2, ir_header(0, 0.0) + b"\2" * 16) + rec_part(3, b"\3" * 16)],
    }[case]
    with open(out, "wb") as rec:
        rec.write(b"".join(records))
    with open(out[: -len(".rec")] + ".idx", "w") as idx:
        idx.write("".join(f"{key}\t{sum(len(r) for r in records[:key])}\n" for key in range(len(records))))


def read_rec(path):
    idx_path = path[: -len(".rec")] + ".idx"
    entries = []
    with open(idx_path) as f:
        keys = [tuple(int(v) for v in line.split("\t")) for line in f if line.strip()]
    with open(path, "rb") as rec:
        for key, offset in keys:
            rec.seek(offset)
            payload = b""
            while True:
                magic, lrec = struct.unpack("<II", rec.read(8))
                assert magic == 0xCED7230A, f"bad magic at {offset}"
                cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
                payload += rec.read(length)
                rec.read((4 - length % 4) % 4)
                if cflag in (0, 3):
                    break
                payload += struct.pack("<I", 0xCED7230A)
            flag, label, _id, _id2 = struct.unpack("<IfQQ", payload[:24])
            labels = list(struct.unpack(f"<{flag}f", payload[24 : 24 + 4 * flag])) if flag > 0 else [label]
            image = payload[24 + 4 * flag :]
            entries.append({"key": key, "flag": flag, "label": labels, "sha1": hashlib.sha1(image).hexdigest() if image else None})
    print(json.dumps(entries))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"write-bin": write_bin, "read-bin": read_bin, "read-rec": read_rec, "hostile-rec": hostile_rec}[command](*args)
