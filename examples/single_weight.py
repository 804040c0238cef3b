"""The smallest fits: y = W·x on x = y = (1, 2, 3) from W = 3 at rate 0.05 on half the summed squared
error for 10 steps (W -> 1), and y = W·x + b on the mean squared error from (0, 0) at rate 0.01 for 2000
steps (W -> 1, b -> 0)."""
import symgd

DATA = {"x": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 3.0]}


def main():
    w_only = symgd.fit("W*x", DATA, x0={"W": 3.0}, method="gd", loss="r^2/2", lr=0.05, steps=10, tol=0)
    print(f"y = W x:      W = {w_only.params['W']:.6f} after 10 steps (loss {w_only.history[-1]:.3g})")
    w_b = symgd.fit("W*x + b", DATA, x0={"W": 0.0, "b": 0.0}, method="gd", loss="mse", lr=0.01, steps=2000,
                    tol=0)
    print(f"y = W x + b:  W = {w_b.params['W']:.6f}, b = {w_b.params['b']:.6f} after 2000 steps "
          f"(loss {w_b.history[-1]:.3g})")
    return {"W": w_only, "Wb": w_b}


if __name__ == "__main__":
    main()
