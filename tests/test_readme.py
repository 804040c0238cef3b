"""The README's two set-up commands: CI runs exactly the test command."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_quick_start_has_the_two_commands():
    blocks = _bash_blocks()
    assert 'symgd solve "sin(x**2+y**2)"' in blocks[0]
    assert "pytest" in blocks[1] and "torch==2.13.0" in blocks[1]


def test_ci_runs_the_readme_test_command():
    test_command = _bash_blocks()[1].strip()
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    # before it, only the step that installs the system programs the README names
    assert ci_lines == ["bash .ci/system-packages", test_command]
    named = (ROOT / ".ci" / "system-packages").read_text()
    readme = (ROOT / "README.md").read_text()
    assert all(pkg in named and pkg in readme for pkg in ("graphviz", "texlive-latex-base"))


def test_library_tour_descends_from_every_start(monkeypatch):
    """Every minimize call of the README's library tour starts away from its minimum and converges (an
    example that "converges after 0 steps" shows nothing)."""
    import symgd
    block = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)[0]
    results = []
    real = symgd.minimize

    def recording(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(symgd, "minimize", recording)
    exec(compile(block, "README.md", "exec"), {"__name__": "readme"})  # our own file, not user text
    assert len(results) >= 3
    for result in results:
        assert result.converged, result.message
        assert result.nit > 0, result.message


def test_calculus_tour_matches_sympy():
    """Each line of the README's calculus tour, evaluated, against an answer sympy computes here."""
    import sympy

    import symgd
    block = next(b for b in re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
                 if "symgd.partial(" in b)
    lines = [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith("symgd.")]
    got = [eval(line, {"symgd": symgd}) for line in lines]  # the README's own code, not user input
    x, y, z = sympy.symbols("x y z")
    f = x**2 * y
    grad_p = sympy.Matrix([f.diff(x), f.diff(y)]).subs({x: 1, y: 2})
    g = sympy.sqrt(x * y)
    oracles = [
        sympy.diff(x**3 * y**2, x, y),
        None,  # symmetry: checked below
        (grad_p.T * sympy.Matrix([3, 4]))[0] / 5,
        sympy.Eq(2 * x + 4 * y + 4 * z, 18),
        g.subs({x: 1, y: 4}) + g.diff(x).subs({x: 1, y: 4}) * (x - 1) + g.diff(y).subs({x: 1, y: 4}) * (y - 4),
        None,  # Taylor: checked below
        sympy.idiff(x**2 + x * y + y**2 - 7, y, x),
        True,
        None,  # critical points: checked below
        sympy.Rational(1, 2),
    ]
    for line, value, oracle in zip(lines, got, oracles):
        if oracle is None:
            continue
        if isinstance(oracle, sympy.Equality):
            assert sympy.simplify((value.lhs - value.rhs) - (oracle.lhs - oracle.rhs)) == 0, line
        elif oracle is True:
            assert value is True, line
        else:
            assert sympy.simplify(value - oracle) == 0, line
    assert all(s.equal for s in got[1])
    t = sympy.Symbol("t")
    taylor = sympy.series(sympy.exp(t * x) * sympy.cos(t * y), t, 0, 4).removeO().subs(t, 1)
    assert sympy.expand(got[5] - taylor) == 0
    f = x**3 - 3 * x + y**3 - 3 * y
    kinds = {p.point: p.kind for p in got[8]}
    assert set(kinds) == {(s[x], s[y]) for s in sympy.solve([f.diff(x), f.diff(y)], [x, y], dict=True)}
    assert kinds[(1, 1)] == "local minimum" and kinds[(-1, -1)] == "local maximum"
    assert kinds[(1, -1)] == kinds[(-1, 1)] == "saddle point"
