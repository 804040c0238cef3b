"""Two- to four-dimensional functions of scipy's global-optimization benchmark suite
(scipy/benchmarks/benchmarks/go_benchmark_functions/go_funcs_*.py), translated by hand into symgd's math
text, with the box and the known global minimum given there.

Variables are ``x1 .. xn`` (their sorted order is the order of ``xmin``). ``fmin`` is scipy's
``fglob`` (some rounded there: the value at ``xmin`` is within ``TOL`` of it; tests/test_global_suite.py
checks each record's ``fmin`` at ``xmin``). A run found the global minimum when its best value is at
most ``fmin + TOL * max(1, |fmin|)`` (``GlobalFunction.found``).
``EDGE`` names the functions whose global minimum lies on the box edge (at least one coordinate at a bound).
"""
from __future__ import annotations

from dataclasses import dataclass

#: Relative tolerance on the minimum value for "found the global minimum".
TOL = 1e-4


@dataclass(frozen=True)
class GlobalFunction:
    """One benchmark function: its name in scipy's suite, the symgd expression, the box per variable
    (``{"x1": (lo, hi), ...}``), the global minimum value and a point where it is reached."""

    name: str
    expr: str
    bounds: dict[str, tuple[float, float]]
    fmin: float
    xmin: tuple[float, ...]

    @property
    def dim(self) -> int:
        return len(self.xmin)

    def found(self, value: float) -> bool:
        """Whether ``value`` (the best value a run reached) is the global minimum."""
        return bool(value <= self.fmin + TOL * max(1.0, abs(self.fmin)))


def _box(*sides: tuple[float, float]) -> dict[str, tuple[float, float]]:
    return {f"x{i + 1}": (float(lo), float(hi)) for i, (lo, hi) in enumerate(sides)}


def _cube(n: int, lo: float, hi: float) -> dict[str, tuple[float, float]]:
    return _box(*[(lo, hi)] * n)


def _sum(term: str, indices: range) -> str:
    """``term`` (with ``{i}`` for the index) written out for every index, joined by ``+``."""
    return " + ".join(f"({term.format(i=i)})" for i in indices)


_BRANIN = "(x2 - 5.1/(4*pi^2)*x1^2 + 5*x1/pi - 6)^2 + 10*(1 - 1/(8*pi))*cos(x1){extra} + 10"
_HARTMANN3_A = ((3.0, 10.0, 30.0), (0.1, 10.0, 35.0), (3.0, 10.0, 30.0), (0.1, 10.0, 35.0))
_HARTMANN3_P = ((0.3689, 0.117, 0.2673), (0.4699, 0.4387, 0.747), (0.1091, 0.8732, 0.5547),
                (0.03815, 0.5743, 0.8828))
_HARTMANN3_C = (1.0, 1.2, 3.0, 3.2)
_SHEKEL_A = ((4, 4, 4, 4), (1, 1, 1, 1), (8, 8, 8, 8), (6, 6, 6, 6), (3, 7, 3, 7))
_SHEKEL_C = (0.1, 0.2, 0.2, 0.4, 0.4)


def _hartmann3() -> str:
    terms = []
    for a, p, c in zip(_HARTMANN3_A, _HARTMANN3_P, _HARTMANN3_C):
        d = " + ".join(f"{a[j]}*(x{j + 1} - {p[j]})^2" for j in range(3))
        terms.append(f"{c}*exp(-({d}))")
    return "-(" + " + ".join(terms) + ")"


def _shekel5() -> str:
    terms = []
    for a, c in zip(_SHEKEL_A, _SHEKEL_C):
        d = " + ".join(f"(x{j + 1} - {a[j]})^2" for j in range(4))
        terms.append(f"1/({d} + {c})")
    return "-(" + " + ".join(terms) + ")"


def _levy03() -> str:
    y1, y2 = "(1 + (x1 - 1)/4)", "(1 + (x2 - 1)/4)"
    return f"sin(pi*{y1})^2 + ({y1} - 1)^2*(1 + 10*sin(pi*{y2})^2) + ({y2} - 1)^2"


FUNCTIONS: tuple[GlobalFunction, ...] = (
    GlobalFunction("Adjiman", "cos(x1)*sin(x2) - x1/(x2^2 + 1)", _box((-1, 2), (-1, 1)),
                   -2.02180678, (2.0, 0.10578)),
    GlobalFunction("Beale", "(1.5 - x1 + x1*x2)^2 + (2.25 - x1 + x1*x2^2)^2 + (2.625 - x1 + x1*x2^3)^2",
                   _cube(2, -4.5, 4.5), 0.0, (3.0, 0.5)),
    GlobalFunction("BiggsExp02",
                   _sum("(exp(-{i}/10*x1) - 5*exp(-{i}/10*x2) - exp(-{i}/10) + 5*exp(-{i}))^2", range(1, 11)),
                   _cube(2, 0, 20), 0.0, (1.0, 10.0)),
    GlobalFunction("Bird", "sin(x1)*exp((1 - cos(x2))^2) + cos(x2)*exp((1 - sin(x1))^2) + (x1 - x2)^2",
                   _cube(2, -6.283185307179586, 6.283185307179586), -106.7645367198034,
                   (4.701055751981055, 3.152946019601391)),
    GlobalFunction("Bohachevsky1", "x1^2 + 2*x2^2 - 0.3*cos(3*pi*x1) - 0.4*cos(4*pi*x2) + 0.7",
                   _cube(2, -100, 100), 0.0, (0.0, 0.0)),
    GlobalFunction("Bohachevsky2", "x1^2 + 2*x2^2 - 0.3*cos(3*pi*x1)*cos(4*pi*x2) + 0.3",
                   _cube(2, -100, 100), 0.0, (0.0, 0.0)),
    GlobalFunction("Bohachevsky3", "x1^2 + 2*x2^2 - 0.3*cos(3*pi*x1 + 4*pi*x2) + 0.3",
                   _cube(2, -100, 100), 0.0, (0.0, 0.0)),
    GlobalFunction("BoxBetts",
                   _sum("(exp(-0.1*{i}*x1) - exp(-0.1*{i}*x2) - (exp(-0.1*{i}) - exp(-{i}))*x3)^2", range(1, 11)),
                   _box((0.9, 1.2), (9, 11.2), (0.9, 1.2)), 0.0, (1.0, 10.0, 1.0)),
    GlobalFunction("Branin01", _BRANIN.format(extra=""), _box((-5, 10), (0, 15)), 0.39788735772973816,
                   (-3.141592653589793, 12.275)),
    GlobalFunction("Branin02", _BRANIN.format(extra="*cos(x2) + log(x1^2 + x2^2 + 1)"), _cube(2, -5, 15),
                   5.558914403893825, (-3.1969884, 12.52625787)),
    GlobalFunction("Brent", "(x1 + 10)^2 + (x2 + 10)^2 + exp(-x1^2 - x2^2)", _cube(2, -10, 10),
                   0.0, (-10.0, -10.0)),
    GlobalFunction("Bukin02", "100*(x2^2 - 0.01*x1^2 + 1) + 0.01*(x1 + 10)^2", _box((-15, -5), (-3, 3)),
                   -124.75, (-15.0, 0.0)),
    GlobalFunction("Chichinadze", "x1^2 - 12*x1 + 11 + 10*cos(pi*x1/2) + 8*sin(5*pi*x1/2) "
                   "- 1/sqrt(5)*exp(-(x2 - 0.5)^2/2)", _cube(2, -30, 30), -42.94438701899098,
                   (6.18986658696568, 0.5)),
    GlobalFunction("Colville", "100*(x1 - x2^2)^2 + (1 - x1)^2 + (1 - x3)^2 + 90*(x4 - x3^2)^2 "
                   "+ 10.1*((x2 - 1)^2 + (x4 - 1)^2) + 19.8*(x2 - 1)*(x4 - 1)", _cube(4, -10, 10),
                   0.0, (1.0, 1.0, 1.0, 1.0)),
    GlobalFunction("CosineMixture", "-0.1*(cos(5*pi*x1) + cos(5*pi*x2)) + x1^2 + x2^2", _cube(2, -1, 1),
                   -0.2, (0.0, 0.0)),
    GlobalFunction("Cube", "100*(x2 - x1^3)^2 + (1 - x1)^2", _cube(2, -10, 10), 0.0, (1.0, 1.0)),
    GlobalFunction("Deb01", "-(sin(5*pi*x1)^6 + sin(5*pi*x2)^6)/2", _cube(2, -1, 1), -1.0, (0.3, -0.3)),
    GlobalFunction("DixonPrice", "(x1 - 1)^2 + 2*(2*x2^2 - x1)^2", _cube(2, -10, 10), 0.0,
                   (1.0, 0.7071067811865476)),
    GlobalFunction("Easom", "-cos(x1)*cos(x2)*exp(-((x1 - pi)^2 + (x2 - pi)^2))", _cube(2, -100, 100),
                   -1.0, (3.141592653589793, 3.141592653589793)),
    GlobalFunction("EggCrate", "x1^2 + x2^2 + 25*(sin(x1)^2 + sin(x2)^2)", _cube(2, -5, 5), 0.0, (0.0, 0.0)),
    GlobalFunction("ElAttarVidyasagarDutta", "(x1^2 + x2 - 10)^2 + (x1 + x2^2 - 7)^2 + (x1^2 + x2^3 - 1)^2",
                   _cube(2, -100, 100), 1.712780354, (3.40918683, -2.17143304)),
    GlobalFunction("Exp2", _sum("(exp(-{i}*x1/10) - 5*exp(-{i}*x2/10) - exp(-{i}/10) + 5*exp(-{i}))^2",
                                range(10)), _cube(2, 0, 20), 0.0, (1.0, 10.0)),
    GlobalFunction("Exponential", "-exp(-0.5*(x1^2 + x2^2))", _cube(2, -1, 1), -1.0, (0.0, 0.0)),
    GlobalFunction("FreudensteinRoth", "(-13 + x1 + ((5 - x2)*x2 - 2)*x2)^2 + (-29 + x1 + ((x2 + 1)*x2 - 14)*x2)^2",
                   _cube(2, -10, 10), 0.0, (5.0, 4.0)),
    GlobalFunction("GoldsteinPrice", "(1 + (x1 + x2 + 1)^2*(19 - 14*x1 + 3*x1^2 - 14*x2 + 6*x1*x2 + 3*x2^2))"
                   "*(30 + (2*x1 - 3*x2)^2*(18 - 32*x1 + 12*x1^2 + 48*x2 - 36*x1*x2 + 27*x2^2))",
                   _cube(2, -2, 2), 3.0, (0.0, -1.0)),
    GlobalFunction("Griewank", "(x1^2 + x2^2)/4000 - cos(x1)*cos(x2/sqrt(2)) + 1", _cube(2, -100, 100),
                   0.0, (0.0, 0.0)),
    GlobalFunction("Hansen", f"({_sum('{i}*cos(({i} - 1)*x1 + {i})', range(1, 6))})"
                   f"*({_sum('{i}*cos(({i} + 1)*x2 + {i})', range(1, 6))})", _cube(2, -10, 10),
                   -176.54179, (-7.58989583, -7.70831466)),
    GlobalFunction("Hartmann3", _hartmann3(), _cube(3, 0, 1), -3.8627821478, (0.11461292, 0.55564907, 0.85254697)),
    GlobalFunction("HimmelBlau", "(x1^2 + x2 - 11)^2 + (x1 + x2^2 - 7)^2", _cube(2, -5, 5), 0.0, (3.0, 2.0)),
    GlobalFunction("Hosaki", "(1 - 8*x1 + 7*x1^2 - 7/3*x1^3 + x1^4/4)*x2^2*exp(-x2)", _box((0, 5), (0, 6)),
                   -2.3458115, (4.0, 2.0)),
    GlobalFunction("JennrichSampson", _sum("(2 + 2*{i} - exp({i}*x1) - exp({i}*x2))^2", range(1, 11)),
                   _cube(2, -1, 1), 124.3621824, (0.257825, 0.257825)),
    GlobalFunction("Leon", "100*(x2 - x1^2)^2 + (1 - x1)^2", _cube(2, -1.2, 1.2), 0.0, (1.0, 1.0)),
    GlobalFunction("Levy03", _levy03(), _cube(2, -10, 10), 0.0, (1.0, 1.0)),
    GlobalFunction("Levy05", f"({_sum('{i}*cos(({i} - 1)*x1 + {i})', range(1, 6))})"
                   f"*({_sum('{i}*cos(({i} + 1)*x2 + {i})', range(1, 6))}) + (x1 + 1.42513)^2 + (x2 + 0.80032)^2",
                   _cube(2, -10, 10), -176.1375779, (-1.30685, -1.42485)),
    GlobalFunction("Levy13", "sin(3*pi*x1)^2 + (x1 - 1)^2*(1 + sin(3*pi*x2)^2) + (x2 - 1)^2*(1 + sin(2*pi*x2)^2)",
                   _cube(2, -10, 10), 0.0, (1.0, 1.0)),
    GlobalFunction("Matyas", "0.26*(x1^2 + x2^2) - 0.48*x1*x2", _cube(2, -10, 10), 0.0, (0.0, 0.0)),
    GlobalFunction("McCormick", "sin(x1 + x2) + (x1 - x2)^2 - 1.5*x1 + 2.5*x2 + 1", _box((-1.5, 4), (-3, 3)),
                   -1.913222954981037, (-0.5471975602214493, -1.547197559268372)),
    GlobalFunction("Michalewicz", "-(sin(x1)*sin(x1^2/pi)^20 + sin(x2)*sin(2*x2^2/pi)^20)",
                   _cube(2, 0, 3.141592653589793), -1.8013, (2.20290555, 1.570796)),
    GlobalFunction("Mishra05", "0.01*x1 + 0.1*x2 + (sin((cos(x1) + cos(x2))^2)^2 + cos((sin(x1) + sin(x2))^2)^2 "
                   "+ x1)^2", _cube(2, -10, 10), -1.019829519930646, (-1.98682, -10.0)),
    GlobalFunction("Parsopoulos", "cos(x1)^2 + sin(x2)^2", _cube(2, -5, 5), 0.0,
                   (1.5707963267948966, 3.141592653589793)),
    GlobalFunction("Powell", "(x1 + 10*x2)^2 + 5*(x3 - x4)^2 + (x2 - 2*x3)^4 + 10*(x1 - x4)^4",
                   _cube(4, -4, 5), 0.0, (0.0, 0.0, 0.0, 0.0)),
    GlobalFunction("Price02", "1 + sin(x1)^2 + sin(x2)^2 - 0.1*exp(-x1^2 - x2^2)", _cube(2, -10, 10),
                   0.9, (0.0, 0.0)),
    GlobalFunction("Price03", "100*(x2 - x1^2)^2 + (6.4*(x2 - 0.5)^2 - x1 - 0.6)^2", _cube(2, -5, 5),
                   0.0, (1.0, 1.0)),
    GlobalFunction("Price04", "(2*x2*x1^3 - x2^3)^2 + (6*x1 - x2^2 + x2)^2", _cube(2, -50, 50), 0.0, (2.0, 4.0)),
    GlobalFunction("Quadratic", "-3803.84 - 138.08*x1 - 232.92*x2 + 128.08*x1^2 + 203.64*x2^2 + 182.25*x1*x2",
                   _cube(2, -10, 10), -3873.72418, (0.19388, 0.48513)),
    GlobalFunction("Rastrigin", "20 + x1^2 - 10*cos(2*pi*x1) + x2^2 - 10*cos(2*pi*x2)", _cube(2, -5.12, 5.12),
                   0.0, (0.0, 0.0)),
    GlobalFunction("Rosenbrock", "100*(x2 - x1^2)^2 + (1 - x1)^2", _cube(2, -30, 30), 0.0, (1.0, 1.0)),
    GlobalFunction("RosenbrockModified",
                   "74 + 100*(x2 - x1^2)^2 + (1 - x1)^2 - 400*exp(-((x1 + 1)^2 + (x2 + 1)^2)/0.1)",
                   _cube(2, -2, 2), 34.040243106640844, (-0.90955374, -0.95057172)),
    GlobalFunction("RotatedEllipse01", "7*x1^2 - 6*sqrt(3)*x1*x2 + 13*x2^2", _cube(2, -500, 500), 0.0, (0.0, 0.0)),
    GlobalFunction("RotatedEllipse02", "x1^2 - x1*x2 + x2^2", _cube(2, -500, 500), 0.0, (0.0, 0.0)),
    GlobalFunction("Schaffer02", "0.5 + (sin(x1^2 - x2^2)^2 - 0.5)/(1 + 0.001*(x1^2 + x2^2))^2",
                   _cube(2, -100, 100), 0.0, (0.0, 0.0)),
    GlobalFunction("Schwefel36", "-x1*x2*(72 - 2*x1 - 2*x2)", _cube(2, 0, 500), -3456.0, (12.0, 12.0)),
    GlobalFunction("Shekel05", _shekel5(), _cube(4, 0, 10), -10.1531996791,
                   (4.00003715092, 4.00013327435, 4.00003714871, 4.0001332742)),
    GlobalFunction("SixHumpCamel", "(4 - 2.1*x1^2 + x1^4/3)*x1^2 + x1*x2 + (4*x2^2 - 4)*x2^2", _cube(2, -5, 5),
                   -1.031628, (0.08984201368301331, -0.7126564032704135)),
    GlobalFunction("StyblinskiTang", "(x1^4 - 16*x1^2 + 5*x1 + x2^4 - 16*x2^2 + 5*x2)/2", _cube(2, -5, 5),
                   -78.33233140754284, (-2.90353401818596, -2.90353401818596)),
    GlobalFunction("ThreeHumpCamel", "2*x1^2 - 1.05*x1^4 + x1^6/6 + x1*x2 + x2^2", _cube(2, -5, 5), 0.0, (0.0, 0.0)),
    GlobalFunction("Treccani", "x1^4 + 4*x1^3 + 4*x1^2 + x2^2", _cube(2, -5, 5), 0.0, (-2.0, 0.0)),
    GlobalFunction("Trefethen", "0.25*x1^2 + 0.25*x2^2 + exp(sin(50*x1)) - sin(10*x1 + 10*x2) + sin(60*exp(x2)) "
                   "+ sin(70*sin(x1)) + sin(sin(80*x2))", _cube(2, -10, 10), -3.3068686474,
                   (-0.02440307923, 0.2106124261)),
    GlobalFunction("Ursem01", "-sin(2*x1 - 0.5*pi) - 3*cos(x2) - 0.5*x1", _box((-2.5, 3), (-2, 2)),
                   -4.81681406371, (1.69714, 0.0)),
    GlobalFunction("UrsemWaves", "-0.9*x1^2 + (x2^2 - 4.5*x2^2)*x1*x2 + 4.7*cos(3*x1 - x2^2*(2 + x1))*sin(2.5*pi*x1)",
                   _box((-0.9, 1.2), (-1.2, 1.2)), -8.5536, (1.2, 1.2)),
    GlobalFunction("VenterSobiezcczanskiSobieski", "x1^2 - 100*cos(x1)^2 - 100*cos(x1^2/30) + x2^2 "
                   "- 100*cos(x2)^2 - 100*cos(x2^2/30)", _cube(2, -50, 50), -400.0, (0.0, 0.0)),
    GlobalFunction("Wavy", "1 - (cos(10*x1)*exp(-x1^2/2) + cos(10*x2)*exp(-x2^2/2))/2",
                   _cube(2, -3.141592653589793, 3.141592653589793), 0.0, (0.0, 0.0)),
    GlobalFunction("Zacharov", "x1^2 + x2^2 + (0.5*(x1 + 2*x2))^2 + (0.5*(x1 + 2*x2))^4", _cube(2, -5, 10),
                   0.0, (0.0, 0.0)),
    GlobalFunction("Zettl", "(x1^2 + x2^2 - 2*x1)^2 + 0.25*x1", _cube(2, -5, 10), -0.003791237220468656,
                   (-0.02989597760285287, 0.0)),
    GlobalFunction("Zirilli", "0.25*x1^4 - 0.5*x1^2 + 0.1*x1 + 0.5*x2^2", _cube(2, -10, 10), -0.35238603,
                   (-1.0465, 0.0)),
)

#: The functions whose global minimum lies on the box edge.
EDGE: tuple[str, ...] = tuple(f.name for f in FUNCTIONS
                              if any(x in f.bounds[f"x{i + 1}"] for i, x in enumerate(f.xmin)))
