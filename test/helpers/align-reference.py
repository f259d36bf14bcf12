#!/usr/bin/env python3
"""Independent computations the face-alignment tests compare with (scikit-image, numpy).

  align-reference.py similarity          stdin: {"from": [[x, y], ...], "to": [[x, y], ...]}
                                         stdout: skimage SimilarityTransform.estimate's 3x3 matrix
  align-reference.py warp PHOTO SIZE OUT stdin: {"matrix": 3x3 photo->crop}; writes OUT, the
                                         SIZE x SIZE crop by skimage's bilinear warp (outside: black),
                                         as raw RGB bytes
  align-reference.py rgb PHOTO OUT       writes PHOTO's pixels as PIL reads them, raw RGB bytes
"""
import json
import sys

import numpy as np
from PIL import Image
from skimage.transform import SimilarityTransform, warp


def main():
    command = sys.argv[1]
    if command == "similarity":
        points = json.load(sys.stdin)
        t = SimilarityTransform()
        if not t.estimate(np.array(points["from"], float), np.array(points["to"], float)):
            raise SystemExit("estimate failed")
        json.dump(t.params.tolist(), sys.stdout)
    elif command == "warp":
        photo, size, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        matrix = np.array(json.load(sys.stdin)["matrix"], float)
        pixels = np.asarray(Image.open(photo).convert("RGB"), dtype=float)
        # warp() takes the map from output to input coordinates: the inverse of photo -> crop.
        crop = warp(pixels, SimilarityTransform(matrix=np.linalg.inv(matrix)), output_shape=(size, size), order=1, mode="constant", cval=0, preserve_range=True)
        open(out, "wb").write(np.clip(np.rint(crop), 0, 255).astype(np.uint8).tobytes())
    elif command == "rgb":
        open(sys.argv[3], "wb").write(np.asarray(Image.open(sys.argv[2]).convert("RGB"), dtype=np.uint8).tobytes())
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
