"""Fit reports as text (lmfit's fit_report layout), Markdown tables or JSON; functions return strings."""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from symgd.errors import VariableError
from symgd.report.mathtext import math_text, tex

if TYPE_CHECKING:
    from symgd.fit.result import FitResult

FORMATS = ("text", "markdown", "json")
METHOD_NAMES = {"lm": "Levenberg–Marquardt", "gauss-newton": "Gauss–Newton", "linear": "closed-form least squares",
                "trf": "trust-region reflective", "sgd": "mini-batch SGD"}


def render(res: "FitResult", fmt: str = "text", precision: int = 8, min_correl: float = 0.1, *,
           plain: bool = False) -> str:
    """The report of ``res`` in ``fmt`` ("text", "markdown" or "json"); text writes the model in Unicode
    math (a x² + b), or as SymPy writes it when ``plain``; JSON always as SymPy writes it."""
    if fmt == "text":
        return _text(res, precision, min_correl, plain)
    if fmt == "markdown":
        return _markdown(res, precision, min_correl)
    if fmt == "json":
        return json.dumps(as_dict(res), indent=2, allow_nan=True)
    raise VariableError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def as_dict(res: "FitResult") -> dict[str, Any]:
    """Plain JSON-ready data (NaN stays NaN: Python's json writes it as NaN)."""
    corr = None if res.correlation is None else [[float(v) for v in row] for row in res.correlation]
    return {
        "model": res.model, "target": res.target, "method": res.method, "loss": res.loss, "converged": res.converged,
        "message": res.message, "params": res.params, "stderr": res.stderr, "init": res.init,
        "rss": res.rss, "r2": res.r2, "loss_value": res.loss_value, "reduced_chi_square": res.redchi,
        "aic": res.aic, "bic": res.bic, "n": res.n, "n_params": len(res.names), "nit": res.nit,
        "nfev": res.nfev, "njev": res.njev, "correlation": corr, "warnings": list(res.warnings),
        "closed_form": res.closed_form, "closed_form_rss": res.closed_form_rss,
    }


def _model_as(model: str, show) -> str:
    """The model as read (symgd's grammar), written by ``show``; as typed where it does not read alone."""
    from symgd.errors import SymgdError
    from symgd.parse import parse
    try:
        return show(parse(model))
    except SymgdError:
        return model


def _g(value: float, precision: int) -> str:
    return f"{value:.{precision}g}" if math.isfinite(value) else str(value)


def _relative(value: float, err: float) -> str:
    if not math.isfinite(err) or value == 0 or abs(err / value) > 10:
        return ""  # a relative error of a parameter near zero says nothing
    return f" ({abs(err / value):.2%})"


def _statistics(res: "FitResult", precision: int) -> list[tuple[str, str]]:
    method = METHOD_NAMES.get(res.method, res.method)
    return [
        ("fitting method", f"{res.method} ({method})" if method != res.method else method),
        ("loss", res.loss), ("iterations", str(res.nit)), ("function evals", str(res.nfev)),
        ("Jacobian evals", str(res.njev)), ("data points", str(res.n)), ("variables", str(len(res.names))),
        ("residual sum of squares", _g(res.rss, precision)), ("reduced chi-square", _g(res.redchi, precision)),
        ("Akaike info crit", _g(res.aic, precision)), ("Bayesian info crit", _g(res.bic, precision)),
        ("R-squared", _g(res.r2, precision)),
    ]


def _correlations(res: "FitResult", min_correl: float) -> list[tuple[str, str, float]]:
    if res.correlation is None:
        return []
    pairs = [(res.names[j], res.names[i], float(res.correlation[i, j]))
             for i in range(len(res.names)) for j in range(i) if abs(res.correlation[i, j]) >= min_correl]
    return sorted(pairs, key=lambda t: -abs(t[2]))


def _text(res: "FitResult", precision: int, min_correl: float, plain: bool = False) -> str:
    model = res.model if plain else _model_as(res.model, math_text)
    lines = [f"[[Model]]\n    {res.target} ~ {model}", "[[Fit Statistics]]"]
    lines += [f"    # {k:<24}= {v}" if k in ("fitting method", "loss", "function evals", "iterations",
                                                "Jacobian evals", "data points", "variables")
              else f"    {k:<26}= {v}" for k, v in _statistics(res, precision)]
    lines.append(f"    {'converged':<26}= {res.converged} ({res.message})")
    lines.append("[[Variables]]")
    width = max(len(n) for n in res.names) + 1
    for n in res.names:
        v, e = res.params[n], res.stderr[n]
        err = f" +/- {_g(e, precision)}{_relative(v, e)}" if math.isfinite(e) else " +/- (not available)"
        lines.append(f"    {n + ':':<{width}} {_g(v, precision)}{err} (init = {_g(res.init[n], precision)})")
    if res.closed_form is not None:
        lines.append("[[Closed form]] (the model is linear in its parameters: least squares by numpy.linalg.lstsq)")
        for n in res.names:
            lines.append(f"    {n + ':':<{width}} {_g(res.closed_form[n], precision)}")
        lines.append(f"    {'RSS:':<{width}} {_g(res.closed_form_rss, precision)}")
    corr = _correlations(res, min_correl)
    if corr:
        lines.append(f"[[Correlations]] (unreported correlations are < {min_correl:.3f})")
        lines += [f"    C({a}, {b}) = {c:+.4f}" for a, b, c in corr]
    if res.warnings:
        lines.append("[[Warnings]]")
        lines += [f"    {w}" for w in res.warnings]
    return "\n".join(lines)


def _markdown(res: "FitResult", precision: int, min_correl: float) -> str:
    model = _model_as(res.model, lambda e: f"${tex(e)}$")
    head = f"`{res.target} ~ {res.model}`" if model == res.model else f"{res.target} ~ {model}"
    out = [f"**Model:** {head}", "", "| statistic | value |", "| --- | --- |"]
    out += [f"| {k} | {v} |" for k, v in _statistics(res, precision)]
    out += [f"| converged | {res.converged} ({res.message}) |", ""]
    closed = res.closed_form is not None
    out.append("| parameter | value | std. error | relative | init |" + (" closed form |" if closed else ""))
    out.append("| --- | --- | --- | --- | --- |" + (" --- |" if closed else ""))
    for n in res.names:
        v, e = res.params[n], res.stderr[n]
        row = f"| {n} | {_g(v, precision)} | {_g(e, precision)} | {_relative(v, e).strip(' ()')} | " \
              f"{_g(res.init[n], precision)} |"
        out.append(row + (f" {_g(res.closed_form[n], precision)} |" if closed else ""))
    corr = _correlations(res, min_correl)
    if corr:
        out += ["", f"Correlations (|C| >= {min_correl:g}):", "", "| pair | correlation |", "| --- | --- |"]
        out += [f"| C({a}, {b}) | {c:+.4f} |" for a, b, c in corr]
    if res.warnings:
        out += ["", "**Warnings:**", ""] + [f"- {w}" for w in res.warnings]
    return "\n".join(out)
