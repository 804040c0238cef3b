"""The PyTorch tutorial's custom-autograd-function example with symgd writing the backward:
y = a + b·P3(c + d·x), P3(t) = (5t^3 - 3t)/2, fitted to sin(x) by plain gradient descent (lr 5e-6,
2000 steps from (0, -1, 0, 0.3)). The tutorial hand-writes ``LegendrePolynomial3`` (forward and
backward); here ``symgd.interop.torch.function`` builds it from the formula, and the loop is the
tutorial's."""
import math

import torch

from symgd.interop import torch as sgt

P3 = sgt.function("(5t^3 - 3t)/2", name="LegendrePolynomial3")


def train(p3=P3, steps=2000, lr=5e-6):
    """The tutorial's loop with ``p3`` as the autograd Function; returns the losses and final (a, b, c, d)."""
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    y = torch.sin(x)
    a, b, c, d = (torch.full((), v, dtype=torch.float64, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))
    losses = []
    for _ in range(steps):
        y_pred = a + b * p3.apply(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return losses, tuple(p.item() for p in (a, b, c, d))


def main():
    losses, (a, b, c, d) = train()
    print(f"loss {losses[-1]:.6f}  y = {a:.6f} + {b:.6f} P3({c:.6f} + {d:.6f} x)")
    return losses, (a, b, c, d)


if __name__ == "__main__":
    main()
