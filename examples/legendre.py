"""The tutorials' custom-autograd-function example: y = a + b·P3(c + d·x) with the Legendre polynomial
P3(t) = (5t^3 - 3t)/2, fitted to sin(x) at rate 5e-6 for 2000 steps from (0, -1, 0, 0.3) — written as a
definition in the model string, with no hand-written backward."""
import symgd

MODEL = "P3(t) = (5t^3-3t)/2; a + b*P3(c + d*x)"
DATA = "x = linspace(-pi, pi, 2000); y = sin(x)"


def main():
    res = symgd.fit(MODEL, DATA, x0={"a": 0.0, "b": -1.0, "c": 0.0, "d": 0.3}, method="gd", lr=5e-6,
                    steps=2000, tol=0)
    p = res.params
    print(f"loss {res.history[-1]:.6f}  y = {p['a']:.6f} + {p['b']:.6f} P3({p['c']:.6f} + {p['d']:.6f} x)")
    return res


if __name__ == "__main__":
    main()
