#!/usr/bin/env python3
"""Photos for the face-alignment tests, from scikit-image's public-domain sample images.

  align-fixtures.py OUT_DIR            the fixture set (below), plus OUT_DIR/transforms.json
  align-fixtures.py OUT_DIR --bench N  N photos: the astronaut under N random transforms, as JPEG
                                       in 10 identity folders (OUT_DIR/person-00 … person-09)

The fixture set:
  astronaut.png          skimage.data.astronaut() (512x512 RGB, a NASA portrait)
  moved-<name>.png       the astronaut warped by a known similarity transform onto a 640x640 canvas
                         (rotation, scale, shift); transforms.json holds each 3x3 matrix, source
                         pixel coordinates to canvas coordinates
  coffee.png             skimage.data.coffee(): a photo without a face
  pair.png               two astronauts side by side on one canvas, the left one larger;
                         transforms.json holds both matrices ("pair-large", "pair-small")
  bgr.png                the astronaut with its red and blue channels swapped
"""
import json
import os
import sys

import numpy as np
from PIL import Image
from skimage import data
from skimage.filters import gaussian
from skimage.transform import SimilarityTransform, warp

# name: (degrees, scale, shift x, shift y); the shift is of the image centre from the canvas centre.
MOVES = {
    "rot-20": (20.0, 1.0, 0.0, 0.0),
    "rot+18-scale0.8": (-18.0, 0.8, 30.0, -20.0),
    "scale1.25-shift": (0.0, 1.25, -40.0, 25.0),
    "rot+22-scale0.75": (-22.0, 0.75, -50.0, 40.0),
}
CANVAS = 640


def similarity(degrees, scale, tx, ty, centre_from, centre_to):
    """Source pixel -> canvas pixel: rotate and scale about the source centre, then move it."""
    to_origin = SimilarityTransform(translation=(-centre_from[0], -centre_from[1]))
    turn = SimilarityTransform(rotation=np.deg2rad(degrees), scale=scale)
    place = SimilarityTransform(translation=(centre_to[0] + tx, centre_to[1] + ty))
    return place.params @ turn.params @ to_origin.params


def place(image, matrix, canvas_hw, into=None):
    """Warps `image` onto a canvas by `matrix` (source -> canvas); outside is black or `into`.
    Shrinking blurs first, as skimage's rescale(anti_aliasing=True) does: a camera does not alias
    a smaller face, and bilinear sampling alone would."""
    scale = np.sqrt(abs(np.linalg.det(matrix[:2, :2])))
    if scale < 1:
        image = gaussian(image.astype(float), sigma=(1 / scale - 1) / 2, channel_axis=-1, preserve_range=True)
    inverse = SimilarityTransform(matrix=np.linalg.inv(matrix))
    moved = warp(image, inverse, output_shape=canvas_hw, order=1, preserve_range=True)
    mask = warp(np.ones(image.shape[:2]), inverse, output_shape=canvas_hw, order=1)[..., None]
    base = np.zeros(canvas_hw + (3,)) if into is None else into
    return moved * mask + base * (1 - mask)


def save(path, pixels):
    Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8)).save(path)


def fixture_set(out):
    astronaut = data.astronaut()
    h, w = astronaut.shape[:2]
    centre = ((w - 1) / 2, (h - 1) / 2)
    save(os.path.join(out, "astronaut.png"), astronaut)
    save(os.path.join(out, "bgr.png"), astronaut[..., ::-1])
    save(os.path.join(out, "coffee.png"), data.coffee())
    transforms = {}
    for name, (degrees, scale, tx, ty) in MOVES.items():
        matrix = similarity(degrees, scale, tx, ty, centre, ((CANVAS - 1) / 2, (CANVAS - 1) / 2))
        save(os.path.join(out, f"moved-{name}.png"), place(astronaut, matrix, (CANVAS, CANVAS)))
        transforms[f"moved-{name}"] = matrix.tolist()
    # Two faces: the astronaut at full size on the left, at 0.6 on the right, on one grey canvas.
    pair_hw = (560, 900)
    large = similarity(0.0, 1.0, 0.0, 0.0, centre, (260, 280))
    small = similarity(0.0, 0.6, 0.0, 0.0, centre, (700, 280))
    canvas = np.full(pair_hw + (3,), 128.0)
    canvas = place(astronaut, large, pair_hw, canvas)
    canvas = place(astronaut, small, pair_hw, canvas)
    save(os.path.join(out, "pair.png"), canvas)
    transforms["pair-large"] = large.tolist()
    transforms["pair-small"] = small.tolist()
    with open(os.path.join(out, "transforms.json"), "w") as f:
        json.dump(transforms, f, indent=1)


def bench_set(out, count):
    """`count` photos of the astronaut under random transforms (seeded), as JPEG like most photos."""
    for k in range(10):
        os.makedirs(os.path.join(out, f"person-{k:02d}"), exist_ok=True)
    astronaut = data.astronaut()
    h, w = astronaut.shape[:2]
    centre = ((w - 1) / 2, (h - 1) / 2)
    rng = np.random.default_rng(17)
    for i in range(count):
        degrees, scale = rng.uniform(-20, 20), rng.uniform(0.7, 1.3)
        tx, ty = rng.uniform(-60, 60, size=2)
        matrix = similarity(degrees, scale, tx, ty, centre, ((CANVAS - 1) / 2, (CANVAS - 1) / 2))
        pixels = place(astronaut, matrix, (CANVAS, CANVAS))
        Image.fromarray(np.clip(np.rint(pixels), 0, 255).astype(np.uint8)).save(os.path.join(out, f"person-{i % 10:02d}", f"photo-{i:04d}.jpg"), quality=90)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) > 3 and sys.argv[2] == "--bench":
        bench_set(out, int(sys.argv[3]))
    else:
        fixture_set(out)


if __name__ == "__main__":
    main()
