"""Quick start: fit a model string to data and read the report."""
import numpy as np

import symgd

x = np.linspace(0.0, 10.0, 60)
y = 2.5 * (1.0 - np.exp(-0.4 * x)) + np.random.default_rng(1).normal(0.0, 0.02, x.size)


def main():
    res = symgd.fit("A*(1 - exp(-k*x))", {"x": x, "y": y}, x0={"A": 1.0, "k": 1.0})
    print(res.report())
    line = symgd.fit("a + b*x", "x = linspace(0, 1, 11); y = 3*x - 1")  # generated data, closed form beside LM
    print(line.report("markdown"))
    return {"exp": res, "line": line}


if __name__ == "__main__":
    main()
