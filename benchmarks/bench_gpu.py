"""P4 at N = 10^7 on torch: symgd's torch backend beside torch autograd, per gradient and per descent loop.

    python benchmarks/bench_gpu.py [--quick] [--device cuda]

Issue 5's GPU target (P4, N = 10^7 on CUDA: symgd's torch gradient at least 2x faster than torch autograd,
its fused loop at least 5x). Runs on CUDA when it is available, else on the CPU (the device is printed
and written with the figures, so a CPU run is never mistaken for a GPU one). float64, medians; every
timed call ends with a device synchronisation.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import sympy

LR = 1e-9  # stable for the cubic at N = 10^7 (the Hessian's largest eigenvalue is ~1e8 there)


def _sync(torch, device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _median(fn, torch, device, repeat: int) -> float:
    fn()
    _sync(torch, device)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        _sync(torch, device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rows(quick: bool, device: str | None = None) -> dict[str, float | str]:
    import torch
    from symgd.codegen.data import compile_data
    from symgd.codegen.data_torch import bind_torch
    from symgd.loops.fused_data import fused_data_minimize
    from symgd.codegen.rule import G, X, ElementwiseRule
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    n = 10**6 if quick else 10**7
    steps = (20 if quick else 50) if str(device).startswith("cuda") else 5  # a CPU step at 10^7 rows is ~1 s
    dt = torch.float64
    x = torch.linspace(-math.pi, math.pi, n, dtype=dt, device=device)
    y = torch.sin(x)
    a, b, c, d, xs, ys = sympy.symbols("a b c d x y")
    program = compile_data((a + b * xs + c * xs**2 + d * xs**3 - ys) ** 2, (a, b, c, d), (xs, ys))
    bound = bind_torch(program, {"x": x, "y": y}, device=device, dtype=dt)
    theta = torch.tensor([0.1, 0.2, -0.1, 0.01], dtype=dt, device=device)
    out: dict[str, float | str] = {"device": str(device), "N": float(n), "loop steps": float(steps)}
    out["symgd torch gradient (ms)"] = 1e3 * _median(lambda: bound.sum_grad(theta), torch, device, 7)
    out["symgd torch value+gradient (ms)"] = 1e3 * _median(lambda: bound.sum_value_and_grad(theta), torch, device, 7)

    def autograd():
        th = theta.clone().requires_grad_(True)
        loss = ((th[0] + th[1] * x + th[2] * x**2 + th[3] * x**3 - y) ** 2).sum()
        loss.backward()
        return th.grad
    out["torch autograd gradient (ms)"] = 1e3 * _median(autograd, torch, device, 7)
    gd = ElementwiseRule("gd", (), (), (), X - LR * G)
    theta0 = [0.0] * 4
    loop = lambda: fused_data_minimize(bound, gd, theta0, steps, check_every=steps, backend="torch")  # noqa: E731
    out["symgd torch fused GD loop (ms/step)"] = 1e3 * _median(loop, torch, device, 5) / steps

    def autograd_loop():
        th = torch.zeros(4, dtype=dt, device=device, requires_grad=True)
        opt = torch.optim.SGD([th], lr=LR)
        for _ in range(steps):
            opt.zero_grad()
            ((th[0] + th[1] * x + th[2] * x**2 + th[3] * x**3 - y) ** 2).sum().backward()
            opt.step()
        return th
    out["torch autograd + torch.optim.SGD loop (ms/step)"] = 1e3 * _median(autograd_loop, torch, device, 3) / steps
    # the same loops agree (a check, not a timing): symgd's iterate against torch.optim's
    mine = np.array(fused_data_minimize(bound, gd, theta0, steps, check_every=steps, backend="torch").x)
    theirs = autograd_loop().detach().cpu().numpy()
    out["final iterates: max |symgd - torch.optim| / max |torch.optim|"] = float(
        np.max(np.abs(mine - theirs)) / np.max(np.abs(theirs)))
    fresh = bind_torch(program, {"x": x, "y": y}, device=device, dtype=dt)
    out["symgd H, b of the quadratic form, once per binding (ms)"] = 1e3 * _median(
        lambda: (fresh.__dict__.pop("_gram", None), fresh.gram()), torch, device, 3)
    out.update(_nonlinear(torch, device, x, steps))
    out["ratio autograd/symgd gradient"] = out["torch autograd gradient (ms)"] / out["symgd torch gradient (ms)"]
    out["ratio autograd/symgd loop"] = (out["torch autograd + torch.optim.SGD loop (ms/step)"]
                                        / out["symgd torch fused GD loop (ms/step)"])
    return out


def _nonlinear(torch, device, x, steps: int) -> dict[str, float]:
    """A model with no quadratic-form shortcut, a·exp(-b·x) + c: both loops do O(N) work a step."""
    from symgd.codegen.data import compile_data
    from symgd.codegen.data_torch import bind_torch
    from symgd.loops.fused_data import fused_data_minimize
    from symgd.codegen.rule import G, X, ElementwiseRule
    a, b, c, xs, ys = sympy.symbols("a b c x y")
    y = 2.0 * torch.exp(-0.3 * x) + 0.5
    program = compile_data((a * sympy.exp(-b * xs) + c - ys) ** 2, (a, b, c), (xs, ys))
    bound = bind_torch(program, {"x": x, "y": y}, device=device, dtype=x.dtype)
    lr = 1e-3 / len(x)
    gd = ElementwiseRule("gd", (), (), (), X - lr * G)
    loop = lambda: fused_data_minimize(bound, gd, [1.0, 0.1, 0.0], steps, check_every=steps, backend="torch")  # noqa: E731

    def autograd_loop():
        th = torch.tensor([1.0, 0.1, 0.0], dtype=x.dtype, device=device, requires_grad=True)
        opt = torch.optim.SGD([th], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            ((th[0] * torch.exp(-th[1] * x) + th[2] - y) ** 2).sum().backward()
            opt.step()
        return th
    out = {"exp model: symgd torch GD loop (ms/step)": 1e3 * _median(loop, torch, device, 3) / steps,
           "exp model: torch autograd + SGD loop (ms/step)": 1e3 * _median(autograd_loop, torch, device, 3) / steps}
    mine, theirs = np.array(loop().x), autograd_loop().detach().cpu().numpy()
    out["exp model: max |symgd - torch.optim| / max |torch.optim|"] = float(
        np.max(np.abs(mine - theirs)) / np.max(np.abs(theirs)))
    out["exp model: ratio autograd/symgd loop"] = out["exp model: torch autograd + SGD loop (ms/step)"] / \
        out["exp model: symgd torch GD loop (ms/step)"]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="N = 10^6 instead of 10^7")
    parser.add_argument("--device", help="torch device (default: cuda when available, else cpu)")
    args = parser.parse_args(argv)
    out = rows(args.quick, args.device)
    for key, value in out.items():
        print(f"{key:55s} {value:.4g}" if isinstance(value, float) else f"{key:55s} {value}")
    path = Path(__file__).parent / "results" / "gpu.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"written to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
