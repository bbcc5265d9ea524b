#!/usr/bin/env python3
"""Writes the small .npy fixtures used by test/unit/data-npy.test.ts.

Run from the repository root with numpy installed (Debian: python3-numpy):
    /usr/bin/python3 scripts/make-npy-fixture.py
The expected values are written out literally in the test, so a fixture and the test must be
changed together.
"""
import os

import numpy as np
from numpy.lib import format as npformat

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "data")


def save(name, arr, version=None):
    path = os.path.join(OUT, name)
    if version is None:
        np.save(path, arr, allow_pickle=False)
    else:
        with open(path, "wb") as f:
            npformat.write_array(f, arr, version=version, allow_pickle=False)
    print(name, arr.dtype.str, arr.shape, version or "default")


def main():
    os.makedirs(OUT, exist_ok=True)
    save("u1-2x3.npy", np.array([[0, 1, 2], [253, 254, 255]], dtype=np.uint8))
    save("i4-5.npy", np.array([-2147483648, -1, 0, 1, 2147483647], dtype="<i4"))
    save("f4-2x2.npy", np.array([[0.5, -1.25], [1024.0, 0.1]], dtype="<f4"))
    save("i8-3.npy", np.array([-(2**62), 0, 2**40 + 3], dtype="<i8"))
    save("f8-3.npy", np.array([np.pi, -1e300, 0.1], dtype="<f8"))
    save("b1-4.npy", np.array([True, False, True, True]))
    save("f8-scalar.npy", np.array(2.5, dtype="<f8"))
    save("f4-0x3.npy", np.zeros((0, 3), dtype="<f4"))
    save("u1-nhwc-2x3x4x1.npy", np.arange(24, dtype=np.uint8).reshape(2, 3, 4, 1))
    save("i4-v2.npy", np.array([7, -8, 9], dtype="<i4"), version=(2, 0))
    save("i4-v3.npy", np.array([10, -11], dtype="<i4"), version=(3, 0))
    save("i4-bigendian.npy", np.array([1, -2, 65536], dtype=">i4"))
    save("f4-fortran-2x3.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    save("u2-3.npy", np.array([1, 2, 3], dtype="<u2"))


if __name__ == "__main__":
    main()
