"""Issue 15, "Done when": every command prints the reading notes, and a test checks each command on an input
with a note, in text and in JSON. The commands are found from the CLI's own parser, so a new command that
reads an expression fails here until it is listed (and prints the notes). The oracle is `symgd parse`'s
JSON notes for the same input."""
from __future__ import annotations

import argparse
import json

import pytest

from symgd.cli import build_parser, main

DATA = "x=linspace(0,3,20); y=2*sin(x)+1"
#: command -> (its arguments with a noted input first, a word of the answer that follows the notes)
CASES = {
    "solve": (["sinx + x^2", "--at", "x=1"], "converged"),
    "grad": (["2xy + y^2 sin x"], "∂f/∂y"),
    "compile": (["sinx"], "def value_and_grad"),
    "parse": (["2xy + y^2 sin x"], "2xy + y^2 sin x"),
    "steps": (["x^2 + 3 + d/dx (x^3)"], "∂f/∂x"),
    "graph": (["sinx", "--at", "x=1"], "gradient"),
    "check": (["x^2 y", "--wrt", "x", "--answer", "2xy"], "correct"),
    "fit": (["a*sinx + b", "--data", DATA], "[[Model]]"),
    "taylor": (["sinx", "--at", "x=0"], "Taylor"),
    "critical": (["x^2 + xy + y^2"], "critical points"),
    "extremum": (["x^2 + xy + y^2", "--subject-to", "x + y = 1"], "subject to"),
}


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _reads_an_expression(command: argparse.ArgumentParser) -> bool:
    return any(not a.option_strings and a.dest in ("expr", "model") for a in command._actions)


def _formats(command: argparse.ArgumentParser) -> tuple[str, ...]:
    return next((tuple(a.choices) for a in command._actions if "--format" in a.option_strings), ())


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _oracle_notes(capsys, text: str) -> list[str]:
    code, out, _ = _run(capsys, "parse", text, "--format", "json")
    assert code == 0
    notes = json.loads(out)["notes"]
    assert notes, f"{text!r} should have a reading note"
    return notes


def _span(note: str) -> str:
    """What the student typed, as a note quotes it (`sinx`): the same in every output style."""
    return note.split("`")[1] if note.startswith("`") else note


def test_every_command_that_reads_an_expression_is_checked_here():
    reading = {name for name, command in _commands().items() if _reads_an_expression(command)}
    assert reading == set(CASES), "list the new command in CASES (and print its reading notes)"


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_notes_come_before_the_answer(capsys, name):
    args, answer = CASES[name]
    notes = _oracle_notes(capsys, args[0])
    code, out, _ = _run(capsys, name, *args)
    assert code == 0, out
    head = "notes:" if name != "compile" else "# note:"
    block = out.index(head) if name != "parse" else out.index("notes:")
    assert _span(notes[0]) in out[block:], out
    if name != "parse":  # parse's echo is the answer itself; the notes are its last lines
        assert block < out.index(answer), out
        assert out.index(_span(notes[0]), block) < out.index(answer, block), out


@pytest.mark.parametrize("name", sorted(n for n in CASES if "json" in _formats(_commands()[n])))
def test_json_notes_are_the_parsers_and_come_first(capsys, name):
    args, _ = CASES[name]
    notes = _oracle_notes(capsys, args[0])
    code, out, _ = _run(capsys, name, *args, "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert notes[0] in data["notes"]
    assert list(data)[0] == "notes" or name == "parse"  # parse's JSON is the echo; notes is one field


def test_check_also_notes_how_the_answer_was_read(capsys):
    code, out, _ = _run(capsys, "check", "x^2 y", "--wrt", "x", "--answer", "2xy", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert any(note.startswith("answer: ") and "`2xy`" in note for note in data["notes"]), data["notes"]


def test_graph_as_an_image_sends_the_notes_to_stderr(capsys, tmp_path):
    notes = _oracle_notes(capsys, "sinx")
    code, out, err = _run(capsys, "graph", "sinx", "--at", "x=1", "--format", "svg",
                          "--output", str(tmp_path / "g.svg"))
    if code != 0 and "dot" in err:
        pytest.skip("graphviz dot is absent")
    assert code == 0, err
    assert _span(notes[0]) in err
