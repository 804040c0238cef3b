"""``symgd fit`` through cli.main: reports, exit codes, CSV input, plots."""
import json

import numpy as np

from symgd.cli import main


def test_fit_generated_data_text_report(capsys):
    code = main(["fit", "b1*(1-exp(-b2*x))", "--data", "x=linspace(0,10,40); y=2*(1-exp(-0.3*x))+x/1000",
                 "--at", "b1=1,b2=0.1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "[[Variables]]" in out and "b1:" in out and "Levenberg" in out


def test_fit_csv_json_matches_numpy_lstsq(tmp_path, capsys):
    x = np.linspace(0, 1, 25)
    y = 1.0 + 2.0 * x + 0.1 * np.sin(7 * x)
    path = tmp_path / "d.csv"
    path.write_text("x,y\n" + "\n".join(f"{float(a)!r},{float(b)!r}" for a, b in zip(x, y)) + "\n")
    assert main(["fit", "a + b*x", "--data", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    ref = np.linalg.lstsq(np.column_stack([np.ones_like(x), x]), y, rcond=None)[0]
    np.testing.assert_allclose([data["params"]["a"], data["params"]["b"]], ref, rtol=1e-10)
    np.testing.assert_allclose([data["closed_form"]["a"], data["closed_form"]["b"]], ref, rtol=1e-12)


def test_fit_not_converged_exits_1_and_bad_input_exits_2(tmp_path, capsys):
    code = main(["fit", "a + b*x", "--data", "x=linspace(0,1,10); y=3*x", "--method", "gd", "--lr", "0.01",
                 "--steps", "3", "--format", "markdown"])
    assert code == 1
    assert "did not converge" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n2,oops\n")
    assert main(["fit", "a*x", "--data", str(bad)]) == 2
    assert "line 3" in capsys.readouterr().err


def test_fit_plot_writes_png(tmp_path, capsys):
    target = tmp_path / "fit.png"
    code = main(["fit", "a + b*x + c*x^2 + d*x^3", "--data", "x=linspace(-pi,pi,200); y=sin(x)",
                 "--method", "sgd", "--lr", "1e-3", "--epochs", "5", "--batch-size", "50", "--plot", str(target)])
    assert code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "plot written" in capsys.readouterr().out
