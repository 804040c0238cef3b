"""The bounds check of the reduction loops (``symgd.codegen.reduce_check``).

The NumPy form (``array_check_source``, run before every new shape) must give exactly the answers of
the loop form (``check_source``, run here as plain Python: the oracle), read by read, on random sizes
and random array shapes: too small, exact and larger, empty ranges, triangles, moving lower bounds,
packed (fractional) positions, offsets and constant positions. Where a read's grid would be too large
the NumPy form says so and the compiled loop check answers instead."""
import numpy as np
import pytest

import symgd
from symgd.codegen import reduce_check, runtime
from symgd.codegen.reduce_compile import prepare
from symgd.errors import CompileError

RNG = np.random.default_rng(2218)

TEXTS = [
    "sum(sum(p[i,k], k, 0, K-1), i, 0, N-1)",
    "sum(sum(p[i,k+1]*q[k-1], k, 1, K-1), i, 0, N-1)",
    "sum(sum(p[a,b], b, 0, a-1), a, 0, N-1)",  # a triangle
    "sum(sum(sum(p[a,b]*x[i], b, a, K-1), a, 0, N-1), i, 0, M-1)",  # a lower bound that moves
    "sum(sum(l[b*(2*D-b-1)/2 + a-b-1]*x[b], b, 0, a-1), a, 0, D-1)",  # gmm's packed column order
    "sum(sum(p[k/2, i], k, 0, K-1), i, 0, N-1)",  # fractional unless k is even
    "sum(sum(p[a, b - a], b, a, a*a), a, 0, N-1)",  # a bound not linear in the outer index
    "c[0]*sum(x[i]*c[1], i, 0, N-1) + c[2]",  # constant positions, inside and outside the loop
    "sum(logsumexp(min(p[i,j] - q[j+i], j, 0, K-1), i, 0, N-1), t, 0, M-1)",
    "sum(prod(1 + x[3*i - 2*j + 4], j, 0, i), i, 0, N-1)",  # negative slopes, a triangle
]


def _checks(text: str, sizes: dict):
    tree = prepare(text, "python", sizes)[0]
    arrays = sorted((a for a, _ in tree.ndim), key=lambda s: s.name)
    fast = runtime.load(reduce_check.array_check_source(tree), "python",
                        extra=reduce_check.ARRAY_CHECK_HELPERS)["_check"]
    loops = runtime.load(reduce_check.check_source(tree), "python")["_check"]
    return tree, arrays, fast, loops


@pytest.mark.parametrize("text", TEXTS)
def test_the_numpy_check_answers_as_the_loops_do_on_random_shapes(text):
    tree0 = prepare(text, "python", {n: 3 for n in "DKMN"})[0]
    size_names = [s.name for s in tree0.sizes]
    answers = set()
    for _ in range(60):
        sizes = {n: int(RNG.integers(0, 6)) for n in size_names}
        tree, arrays, fast, loops = _checks(text, sizes)
        ndim = dict(tree.ndim)
        args = [np.zeros(tuple(int(RNG.integers(0, 8)) for _ in range(ndim[a]))) for a in arrays]
        want = loops(*args, *(sizes[s.name] for s in tree.sizes))
        assert fast(*args, *(sizes[s.name] for s in tree.sizes)) == want
        answers.add(want)
    assert -1 in answers and len(answers) > 1  # both verdicts met: the comparison tested something


def test_a_grid_too_large_is_left_to_the_compiled_loops(monkeypatch):
    text = "sum(sum(p[i,k+1], k, 0, K-1), i, 0, N-1)"
    tree, arrays, fast, _ = _checks(text, {"K": 40})
    assert [s.name for s in tree.sizes] == ["K", "N"]
    assert fast(np.zeros((40, 41)), 40, 40) == -1
    monkeypatch.setattr(reduce_check, "GRID_LIMIT", 100)
    tree, arrays, fast, _ = _checks(text, {"K": 40})
    assert fast(np.zeros((40, 41)), 40, 40) == reduce_check.TOO_LARGE
    c = symgd.compile(text, backend="python", sizes={"K": 40})  # then the loop check answers
    p = RNG.normal(size=(40, 41))
    assert c.value(p) == pytest.approx(p[:, 1:].sum())
    with pytest.raises(CompileError, match="outside"):
        c.value(np.zeros((40, 40)))


def test_an_empty_range_reads_nothing_and_passes():
    """N = 0: p[i, k+1] is never read, so even an empty p passes; one row with too few columns fails."""
    tree, arrays, fast, loops = _checks("sum(sum(p[i,k+1], k, 0, K-1), i, 0, N-1)", {"K": 3})
    assert [s.name for s in tree.sizes] == ["K", "N"]
    assert fast(np.zeros((0, 0)), 3, 0) == loops(np.zeros((0, 0)), 3, 0) == -1
    assert fast(np.zeros((1, 3)), 3, 1) == loops(np.zeros((1, 3)), 3, 1) == 0
