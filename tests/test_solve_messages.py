"""What `symgd solve` tells the user around the descent: the plot file it wrote, and where a multi-start
run's gradient and graph are drawn."""
import json
import re

import pytest

from symgd.cli import main

HIMMELBLAU = "(x^2+y-11)^2 + (x+y^2-7)^2"


def _himmelblau(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def test_plot_names_the_file_it_wrote(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    target = tmp_path / "descent.png"
    code = main(["solve", "x^2 + y^2", "--at", "x=1,y=1", "--steps", "2000", "--plot", str(target),
                 "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and target.stat().st_size > 0
    assert f"plot written to {target}" in err
    assert str(target) not in out  # stdout stays one JSON document


def test_multistart_graph_is_drawn_at_the_best_minimum(capsys):
    code = main(["solve", HIMMELBLAU, "--starts", "8", "--box", "x=-5:5,y=-5:5", "--lr", "0.005"])
    out = capsys.readouterr().out
    assert code == 0
    assert "at the best minimum found by the 8 starts" in out
    x, y = (float(v) for v in re.search(r"at x = (\S+), y = (\S+)", out).groups())
    assert _himmelblau(x, y) < 1e-8  # a minimum (f = 0 at all four), not the default start (1, 1)
    assert _himmelblau(1, 1) > 100


def test_json_holds_the_reading_notes_once(capsys):
    assert main(["solve", "2x^2", "--steps", "10", "--format", "json"]) in (0, 1)
    out = capsys.readouterr().out
    payload = json.loads(out)
    assert payload["notes"] == ["`2x^2` read as 2*x**2"]
    assert out.count("read as 2*x**2") == 1
