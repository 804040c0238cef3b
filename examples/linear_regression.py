"""Linear regression by gradient descent, as the classic tutorial writes it.

X = [[1,1],[1,2],[2,2],[2,3]], y = X·(1,2) + 3. Start (10.1, 15.1, -6.5), rate 0.01, 5000 steps on half
the summed squared error (gradient -Xᵀ·error) -> coefficients (1, 2, 3).
"""
import numpy as np

import symgd

X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
Y = X @ np.array([1.0, 2.0]) + 3.0


def main():
    data = {"x1": X[:, 0], "x2": X[:, 1], "y": Y}
    res = symgd.fit("w1*x1 + w2*x2 + b", data, x0={"w1": 10.1, "w2": 15.1, "b": -6.5},
                    method="gd", loss="r^2/2", lr=0.01, steps=5000, tol=0)
    print(res.report())
    print("w1, w2, b =", res.params["w1"], res.params["w2"], res.params["b"])
    return res


if __name__ == "__main__":
    main()
