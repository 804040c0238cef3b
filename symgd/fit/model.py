"""A fit problem in symbols: the model string, its parameters, the per-sample residual and loss.

The parameters are the model's names that are not data columns. The residual of one sample is
``target - model``; a loss is a per-sample function of that residual plus a reduction (sum or mean), so
the residual is differentiated symbolically once and the reduction over the data happens numerically.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy

from symgd.errors import ParseError, VariableError
from symgd.fit.columns import check_constant_names, listing, shown

#: The symbol a custom loss string uses for the residual ``target - model`` of one sample.
RESIDUAL_NAME = "r"
LOSSES = ("sse", "mse", "mae", "huber")


@dataclass(frozen=True)
class FitModel:
    """The symbolic side of a fit; every symbol is real so ``Abs`` and ``Piecewise`` differentiate cleanly.

    ``params`` and ``data`` are in the one fixed order used by the compiled code and the report.
    ``sample_loss`` is the loss of one sample; the total loss is ``scale(n) * sum(sample_loss)``.
    """

    text: str
    prediction: sympy.Expr
    target: sympy.Expr
    params: tuple[sympy.Symbol, ...]
    data: tuple[sympy.Symbol, ...]
    loss: str
    sample_loss: sympy.Expr
    mean: bool

    @property
    def residual(self) -> sympy.Expr:
        return self.target - self.prediction

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def data_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.data)

    def scale(self, n: int) -> float:
        """The factor in front of the summed per-sample losses (``1/n`` for a mean)."""
        return 1.0 / n if self.mean else 1.0

    def is_linear(self) -> bool:
        """True when the prediction is linear in the parameters (every second derivative is zero)."""
        params = set(self.params)
        for a in self.params:
            first = sympy.diff(self.prediction, a)
            if first.free_symbols & params and sympy.simplify(first).free_symbols & params:
                return False
        return True


def _real(expr: sympy.Expr) -> sympy.Expr:
    """The same expression over real symbols (so d|u|/du = sign(u), not a complex-valued formula)."""
    return expr.xreplace({s: sympy.Symbol(s.name, real=True) for s in expr.free_symbols
                          if isinstance(s, sympy.Symbol) and not s.is_real})


def _parse(text: str | sympy.Expr) -> sympy.Expr:
    from symgd.parse import parse
    return _real(parse(text))


def _target(target: str | sympy.Expr, columns: Sequence[str]) -> sympy.Expr:
    """The target: a column named exactly (whatever its spelling), else a formula of data columns."""
    if isinstance(target, str) and target in columns:
        return sympy.Symbol(target, real=True)
    if isinstance(target, str) and not target.strip():
        raise VariableError(f"the target is empty; name a data column (columns: {listing(columns)})")
    if not isinstance(target, (str, sympy.Expr)):
        raise VariableError(f"the target must be a column name or a formula, not {type(target).__name__}")
    try:
        expr = _parse(target)
    except ParseError as exc:
        raise ParseError(f"the target {shown(target)} is not a data column (columns: {listing(columns)}) "
                         f"nor a formula: {exc.message}", text=exc.text, column=exc.column,
                         context=exc.context, hint=exc.hint) from exc
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in columns)
    if unknown:
        raise VariableError(f"target {shown(str(target))} uses {listing(unknown)}, which are not data columns "
                            f"(columns: {listing(columns)})")
    if not expr.free_symbols:
        raise VariableError(f"the target {shown(str(target))} is neither a data column nor a formula of data "
                            f"columns (columns: {listing(columns)})")
    return expr


def sample_loss(loss: str, residual: sympy.Expr, columns: Sequence[str],
                huber_delta: float = 1.0) -> tuple[sympy.Expr, bool]:
    """The per-sample loss of ``residual`` and whether the reduction is a mean.

    "sse" sums r^2, "mse" averages it, "mae" averages |r|, "huber" averages torch's HuberLoss(delta);
    any other string is a formula in ``r`` (the residual) and the data columns, summed over samples.
    """
    r = residual
    if loss == "sse":
        return r ** 2, False
    if loss == "mse":
        return r ** 2, True
    if loss == "mae":
        return sympy.Abs(r), True
    if loss == "huber":
        if not huber_delta > 0:
            raise VariableError(f"huber_delta must be positive, got {huber_delta}")
        d, a = sympy.Float(huber_delta), sympy.Abs(r)
        m = sympy.Min(a, d)  # m = |r| inside the threshold, d outside: m(|r| - m/2) is torch's HuberLoss
        return m * (a - m / 2), True
    expr = _parse(loss)
    if RESIDUAL_NAME not in {s.name for s in expr.free_symbols}:
        raise VariableError(f"the loss {shown(loss)} is neither one of {', '.join(LOSSES)} nor a formula in "
                            f"{RESIDUAL_NAME} (the residual target - model)", hint="for example --loss 'r^2/2'")
    unknown = sorted(s.name for s in expr.free_symbols if s.name != RESIDUAL_NAME and s.name not in columns)
    if unknown:
        raise VariableError(f"the loss {shown(loss)} uses {listing(unknown)}, which is neither {RESIDUAL_NAME} "
                            "nor a data column")
    return expr.xreplace({sympy.Symbol(RESIDUAL_NAME, real=True): r}), False


def _order_params(free: Iterable[str], params: Sequence[str] | None) -> tuple[str, ...]:
    free = sorted(free)
    if params is None:
        return tuple(free)
    missing = [p for p in params if p not in free]
    if missing:
        raise VariableError(f"parameter(s) {listing(missing)} do not occur in the model "
                            f"(its parameters: {listing(free) or 'none'})")
    return tuple(params)


def build_model(model: str | sympy.Expr, columns: Sequence[str], target: str | sympy.Expr = "y",
                loss: str = "sse", params: Sequence[str] | None = None,
                huber_delta: float = 1.0) -> FitModel:
    """Parse ``model`` against the data ``columns``: its other names become the fit parameters.

    >>> m = build_model("a + b*x", ["x", "y"])
    >>> m.names, str(m.residual)
    (('a', 'b'), '-a - b*x + y')
    """
    columns = tuple(columns)
    check_constant_names(columns, target)
    prediction = _parse(model)
    if isinstance(target, str) and target in columns and sympy.Symbol(target, real=True) in prediction.free_symbols:
        raise VariableError(f"the model uses the target column {shown(target)}")
    target_expr = _target(target, columns)
    free = {s.name for s in prediction.free_symbols} - set(columns)
    names = _order_params(free, params)
    if not names:
        raise VariableError(f"the model {shown(str(model))} has no parameters: every name in it is a data column")
    param_syms = tuple(sympy.Symbol(n, real=True) for n in names)
    fixed = free - set(names)
    if fixed:
        raise VariableError(f"name(s) {listing(sorted(fixed))} are neither data columns nor parameters")
    loss_expr, mean = sample_loss(loss, target_expr - prediction, columns, huber_delta)
    used = (prediction.free_symbols | target_expr.free_symbols | loss_expr.free_symbols) - set(param_syms)
    data = tuple(sorted(used, key=lambda s: s.name))
    text = model if isinstance(model, str) else str(model)
    return FitModel(text, prediction, target_expr, param_syms, data, loss, loss_expr, mean)


def start_vector(model: FitModel, x0: Mapping[str, float] | Sequence[float] | None,
                 default: float = 1.0) -> list[float]:
    """The start point in parameter order from a dict (missing names get ``default``) or a sequence."""
    if x0 is None:
        return [default] * len(model.params)
    if isinstance(x0, Mapping):
        unknown = sorted(set(x0) - set(model.names))
        if unknown:
            raise VariableError(f"start value(s) for {listing(unknown)}, which are not parameters of the model "
                                f"(its parameters: {listing(model.names)})")
        return [_start(x0.get(n, default), n) for n in model.names]
    values = [_start(v, f"x0[{k}]") for k, v in enumerate(x0)]
    if len(values) != len(model.params):
        raise VariableError(f"x0 has {len(values)} values for {len(model.params)} parameters "
                            f"({listing(model.names)})")
    return values


def _start(value: object, name: str) -> float:
    """One start value as a finite float."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise VariableError(f"the start value of {shown(name)} is not a number: {shown(value)}") from None
    if not math.isfinite(number):
        raise VariableError(f"the start value of {shown(name)} is not finite: {number}")
    return number
