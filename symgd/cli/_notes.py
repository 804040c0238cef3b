"""The reading notes (every implicit reading of what was typed), printed by every command before its answer.

``symgd parse`` shows how an input was read; the other commands print the same notes first, so a student
who typed ``sinx`` or ``2xy`` sees how it was understood wherever they typed it.
"""
from __future__ import annotations

import json
from typing import Any


def reading_notes(*texts: str | None, labels: tuple[str, ...] = (), context: bool = False) -> list[str]:
    """The notes of each input in ``texts`` (each prefixed by its label, if given), as ``symgd parse``
    shows them. An input that does not parse has none here: the command itself reports the error.
    ``context``: the later texts are read knowing the first one's one-letter variables, as ``check``
    reads an answer (``2xy`` is 2·x·y when x and y are variables of the function)."""
    from symgd.errors import SymgdError
    from symgd.parse import parse_program
    from symgd.parse.echo import echo_dict, shown_notes
    notes: list[str] = []
    known: frozenset[str] = frozenset()
    for i, text in enumerate(texts):
        if not text:
            continue
        try:
            program = parse_program(text, known) if known else parse_program(text)
        except SymgdError:
            continue
        if context and i == 0:
            known = frozenset(v.name for v in program.variables if len(v.name) == 1)
        found = shown_notes(echo_dict(program)["notes"])
        label = labels[i] if i < len(labels) else ""
        notes += [f"{label}{note}" for note in found]
    return notes


def format_notes(notes: list[str], fmt: str, plain: bool = False) -> str:
    """``notes`` as a block to print before the answer in ``fmt`` ("" when there are none): each reading as
    math (Unicode in text unless ``plain``, $…$ in Markdown, LaTeX math), what was typed as code."""
    if not notes:
        return ""
    from symgd.report.writeup import note_markdown, note_tex, note_text
    if fmt == "markdown":
        return "\n".join(["**Read as:**", "", *(f"- {note_markdown(note)}" for note in notes)]) + "\n"
    if fmt == "latex":
        items = "\n".join(rf"  \item {note_tex(note)}" for note in notes)
        return "\\paragraph{Read as}\n\\begin{itemize}\n" + items + "\n\\end{itemize}\n"
    if fmt in ("code", "dot"):  # generated Python source, a Graphviz file: comments
        mark = "#" if fmt == "code" else "//"  # code stays in Python syntax; the picture's source in math
        shown = notes if fmt == "code" or plain else [note_text(note) for note in notes]
        return "\n".join(f"{mark} note: {note}" for note in shown) + "\n"
    return "\n".join(["notes:", *(f"  - {note if plain else note_text(note)}" for note in notes)]) + "\n"


def with_notes(text: str, notes: list[str], fmt: str, plain: bool = False) -> str:
    """``text`` (a command's output in ``fmt``) with ``notes`` before it; JSON gets a "notes" field first
    (the notes as the parser wrote them: SymPy strings)."""
    if fmt == "json":
        data: Any = json.loads(text)
        if isinstance(data, dict):
            data = {"notes": notes, **{k: v for k, v in data.items() if k != "notes"}}
            return json.dumps(data, indent=2, default=str, ensure_ascii=False)
        return text
    block = format_notes(notes, fmt, plain)
    begin = "\\begin{document}\n"
    if block and fmt == "latex" and begin in text:  # a whole document: the notes open its body
        head, _, body = text.partition(begin)
        return f"{head}{begin}{block}\n{body}"
    return f"{block}\n{text}" if block else text
