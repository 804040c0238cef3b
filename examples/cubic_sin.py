"""sin(x) on 2000 points in [-pi, pi] fitted with a + b x + c x^2 + d x^3, as the PyTorch tutorials do it:
plain gradient descent at rate 1e-6 for 2000 steps on the summed squared error, then RMSprop at rate
1e-3 for 2000 steps. The start is the same for both (drawn once, seeded)."""
import numpy as np

import symgd

MODEL = "a + b*x + c*x^2 + d*x^3"
DATA = "x = linspace(-pi, pi, 2000); y = sin(x)"
START = dict(zip("abcd", np.random.default_rng(0).normal(size=4)))


def main():
    gd = symgd.fit(MODEL, DATA, x0=START, method="gd", lr=1e-6, steps=2000, tol=0)
    rms = symgd.fit(MODEL, DATA, x0=START, method="rmsprop", lr=1e-3, steps=2000, tol=0)
    for label, res in (("gradient descent", gd), ("RMSprop", rms)):
        p = res.params
        print(f"{label}: loss {res.history[-1]:.6f}  y = {p['a']:.6f} + {p['b']:.6f} x "
              f"+ {p['c']:.6f} x^2 + {p['d']:.6f} x^3")
    print("closed form (least squares):", {k: round(v, 6) for k, v in gd.closed_form.items()})
    return {"gd": gd, "rmsprop": rms, "start": START}


if __name__ == "__main__":
    main()
