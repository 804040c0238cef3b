"""The numeric side of a fit: compiled per-sample programs reduced over the chunks of a data source.

Full-batch methods see only sums over chunks: the loss and its gradient, and for least squares the
pieces ``(R, Qᵀr, rss)`` of a QR factorisation of the stacked Jacobian (JᵀJ = RᵀR, Jᵀr = RᵀQᵀr).
Pieces of two chunks combine by one small QR of the stacked R factors — the same reduction serves
one array, a chunked file or a cluster. QR avoids squaring J's condition number as forming JᵀJ does;
on the NIST problems both reach the same digits (measured: the differences are last-digit noise),
so this is a margin for worse-conditioned models rather than something the NIST bar needs.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
import numpy as np

from symgd.fit.data import ArraySource, DataSource
from symgd.fit.model import FitModel
from symgd.codegen.data import BoundData, DataProgram, compile_data


@dataclass(frozen=True)
class LstsqPieces:
    """Least-squares summary of some rows: ``R`` (p x p), ``qtr = Qᵀr``, ``rss = rᵀr`` and the row count."""

    R: np.ndarray
    qtr: np.ndarray
    rss: float
    n: int

    @classmethod
    def from_rows(cls, jac: np.ndarray, res: np.ndarray) -> "LstsqPieces":
        m, p = jac.shape
        q, r = np.linalg.qr(jac)
        qtr = q.T @ res
        if m < p:  # fewer rows than parameters: pad the triangle with zero rows
            r = np.vstack([r, np.zeros((p - r.shape[0], p))])
            qtr = np.concatenate([qtr, np.zeros(p - qtr.shape[0])])
        return cls(r, qtr, float(res @ res), m)

    def combine(self, other: "LstsqPieces") -> "LstsqPieces":
        """The pieces of both sets of rows together (one QR of the two stacked triangles)."""
        q, r = np.linalg.qr(np.vstack([self.R, other.R]))
        return LstsqPieces(r, q.T @ np.concatenate([self.qtr, other.qtr]), self.rss + other.rss,
                           self.n + other.n)

    @property
    def jtj(self) -> np.ndarray:
        return self.R.T @ self.R

    @property
    def jtr(self) -> np.ndarray:
        return self.R.T @ self.qtr


@dataclass(frozen=True)
class Moments:
    """Count, mean and centred sum of squares of the target, combined chunk by chunk (Chan et al.)."""

    n: int
    mean: float
    m2: float

    @classmethod
    def of(cls, values: np.ndarray) -> "Moments":
        mean = float(values.mean()) if values.size else 0.0
        return cls(values.size, mean, float(((values - mean) ** 2).sum()))

    def combine(self, other: "Moments") -> "Moments":
        n = self.n + other.n
        if n == 0:
            return self
        delta = other.mean - self.mean
        return Moments(n, self.mean + delta * other.n / n, self.m2 + other.m2 + delta ** 2 * self.n * other.n / n)


def _reduce(items: Iterator):
    total = None
    for item in items:
        total = item if total is None else total.combine(item)
    return total


@dataclass(frozen=True)
class _Rows:
    """Stands in for the source of a row subset whose bound chunks are already in place."""

    n: int
    names: tuple[str, ...] = ()
    in_memory: bool = True

    def chunks(self, names):
        raise RuntimeError("a row subset has no chunks of its own")


class Objective:
    """A ``FitModel`` bound to a ``DataSource``; every method reduces over the source's chunks.

    In-memory sources are bound once (compiled programs and bound columns are cached here); streaming
    sources bind each chunk as it arrives.
    """

    def __init__(self, model: FitModel, source: DataSource, _programs: dict | None = None) -> None:
        self.model = model
        self.source = source
        self.n = source.n
        self._programs: dict[str, DataProgram] = {} if _programs is None else _programs
        self._bound: dict[str, list[BoundData]] = {}

    def program(self, which: str) -> DataProgram:
        """The compiled per-sample "residual", "loss" or "target" program (compiled once, shared by subsets)."""
        if which not in self._programs:
            expr = {"residual": self.model.residual, "loss": self.model.sample_loss,
                    "target": self.model.target}[which]
            self._programs[which] = compile_data(expr, self.model.params, self.model.data)
        return self._programs[which]

    def bound(self, which: str) -> Iterator[BoundData]:
        """The chunks bound to the ``which`` program ("residual", "loss" or "target")."""
        program = self.program(which)
        names = self.model.data_names
        if not self.source.in_memory:
            yield from (program.bind(chunk) for chunk in self.source.chunks(names))
            return
        if which not in self._bound:
            self._bound[which] = [program.bind(chunk) for chunk in self.source.chunks(names)]
        yield from self._bound[which]

    def gathered(self) -> "Objective":
        """The same objective with every row in one in-memory chunk (for shuffled mini-batches)."""
        if self.source.in_memory and getattr(self.source, "chunk_size", None) is None:
            return self
        names = self.model.data_names
        parts = list(self.source.chunks(names))
        cols = {k: np.concatenate([np.asarray(c[k], dtype=float) for c in parts]) for k in names}
        return Objective(self.model, ArraySource(cols), self._programs)

    def on_rows(self, index: np.ndarray) -> "Objective":
        """The objective restricted to rows ``index`` of a gathered objective, without recompiling."""
        # binds the batch's columns (not BoundData.subset): hoisted data tables are then built for the batch
        cols = self.source.arrays()
        sub = Objective(self.model, _Rows(len(index)), self._programs)
        sub._bound["loss"] = [self.program("loss").bind({k: cols[k][index] for k in self.model.data_names})]
        return sub

    def rss(self, theta: Sequence[float]) -> float:
        """The residual sum of squares (non-finite where the model is undefined)."""
        with np.errstate(all="ignore"):
            return float(sum(float(np.sum(b.sample_values(theta) ** 2)) for b in self.bound("residual")))

    def pieces(self, theta: Sequence[float]) -> LstsqPieces:
        """``(R, Qᵀr, rss)`` of the residual Jacobian at ``theta``, reduced over all chunks."""
        # codegen/data has no fused JᵀJ reduction yet; the Jacobian rows of each chunk go through one QR.
        with np.errstate(all="ignore"):
            return _reduce(LstsqPieces.from_rows(b.sample_jacobian(theta), b.sample_values(theta))
                           for b in self.bound("residual"))

    def loss_and_grad(self, theta: Sequence[float]) -> tuple[float, np.ndarray]:
        """The total loss (with its sum or mean reduction) and its gradient in parameter order."""
        value, grad = 0.0, np.zeros(len(theta))
        with np.errstate(all="ignore"):
            for b in self.bound("loss"):
                v, g = b.sum_value_and_grad(theta)
                value, grad = value + float(v), grad + np.asarray(g, dtype=float)
        scale = self.model.scale(self.n)
        return value * scale, grad * scale

    def loss(self, theta: Sequence[float]) -> float:
        if self.model.loss in ("sse", "mse"):
            return self.rss(theta) * self.model.scale(self.n)
        with np.errstate(all="ignore"):
            total = sum(float(np.sum(b.sample_values(theta))) for b in self.bound("loss"))
        return total * self.model.scale(self.n)

    def target_moments(self) -> Moments:
        """Count, mean and spread of the target over all rows (for R²)."""
        theta = np.zeros(len(self.model.params))
        return _reduce(Moments.of(b.sample_values(theta)) for b in self.bound("target"))

    def residuals(self, theta: Sequence[float]) -> np.ndarray:
        """All residuals ``target - model`` (gathered: for in-memory data, reports and plots)."""
        return np.concatenate([b.sample_values(theta) for b in self.bound("residual")])
