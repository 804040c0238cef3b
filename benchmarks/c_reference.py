"""A C reference for P1: the same 10,000-step loop, compiled by the system C compiler, called through ctypes.

It measures the machine's floor for a loop that calls libm's ``cos`` every step, so the numba loop can
be judged against what compiled code can do here at that moment (this machine's libm ``cos`` runs at
two speeds, switching every few seconds: a plain C loop took 88-90 µs or 164-166 µs per 10,000 steps
in alternating stretches, within one process). ``p1_loop()`` is None when no C compiler is found.
"""
from __future__ import annotations

import ctypes
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

SOURCE = r"""
#include <math.h>
/* P1's gradient-descent step with the gradient folded into the update by hand (as hand_p1 in run.py) */
void p1_loop(double *xy, long steps, double lr) {
    double x = xy[0], y = xy[1];
    for (long i = 0; i < steps; i++) {
        double k = 1.0 - 2.0 * lr * cos(x * x + y * y);
        x *= k;
        y *= k;
    }
    xy[0] = x;
    xy[1] = y;
}
"""


def _build() -> ctypes.CDLL | None:
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="symgd-cref-"))
    (folder / "p1.c").write_text(SOURCE)
    lib = folder / "p1.so"
    done = subprocess.run([cc, "-O2", "-march=native", "-shared", "-fPIC", str(folder / "p1.c"),
                           "-o", str(lib), "-lm"], capture_output=True)
    if done.returncode != 0:
        return None
    return ctypes.CDLL(str(lib))


def p1_loop(steps: int, lr: float) -> Callable[[], tuple[float, float]] | None:
    """A callable running ``steps`` steps from (0.5, 0.4) in C, or None without a C compiler."""
    lib = _build()
    if lib is None:
        return None
    fn = lib.p1_loop
    fn.argtypes = (ctypes.POINTER(ctypes.c_double), ctypes.c_long, ctypes.c_double)
    fn.restype = None
    xy = (ctypes.c_double * 2)()

    def run() -> tuple[float, float]:
        xy[0], xy[1] = 0.5, 0.4
        fn(xy, steps, lr)
        return xy[0], xy[1]
    return run
