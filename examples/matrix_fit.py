"""A 3x3 matrix W fitted to a target matrix T by mean squared error at rate 1, until the loss is below 1e-5.

Each of the 9 data rows is one entry: one-hot columns e11..e33 pick the entry, t is its target value, so
the model sum(w_ij e_ij) predicts W's entry and the MSE is mean((W - T)^2)."""
import numpy as np

import symgd

T = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.5], [-2.5, 1.0, 4.0]])
ENTRIES = [(i, j) for i in range(1, 4) for j in range(1, 4)]


def main():
    model = " + ".join(f"w{i}{j}*e{i}{j}" for i, j in ENTRIES)
    data = {f"e{i}{j}": np.eye(9)[k] for k, (i, j) in enumerate(ENTRIES)}
    data["t"] = T.ravel()
    res = symgd.fit(model, data, target="t", x0={f"w{i}{j}": 0.0 for i, j in ENTRIES}, method="gd",
                    loss="mse", lr=1.0, steps=10_000, tol=0, callback=lambda step, w, loss: loss < 1e-5)
    W = np.array([[res.params[f"w{i}{j}"] for j in range(1, 4)] for i in range(1, 4)])
    print(f"{res.message}; loss {res.history[-1]:.3g}")
    print("W =\n", np.array2string(W, precision=5))
    return {"W": W, "T": T, "result": res}


if __name__ == "__main__":
    main()
