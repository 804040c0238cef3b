"""LaTeX and Unicode vocabulary: which ``\\command`` is which token, and Greek letters as names.

The grammar has one LaTeX section (``\\frac``, ``\\sqrt``, braces); everything else a LaTeX
command can mean is an ordinary token of the language, so the postlexer only renames it.
"""
from __future__ import annotations

import unicodedata

GREEK_NAMES = (
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega",
)
GREEK_WORDS = frozenset(GREEK_NAMES) | frozenset(n.capitalize() for n in GREEK_NAMES)

# LaTeX variant letters read as the plain letter.
_VARIANTS = {"varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
             "varsigma": "sigma", "varpi": "pi", "varkappa": "kappa"}

# \command -> (token type, token value). FUNC values are looked up in functions.py.
COMMANDS: dict[str, tuple[str, str]] = {
    **{f: ("FUNC", f) for f in (
        "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "sech", "csch",
        "arcsin", "arccos", "arctan", "arcsec", "arccsc", "arccot", "exp", "log", "ln",
        "max", "min", "sgn", "erf")},
    "frac": ("FRAC", "\\frac"), "dfrac": ("FRAC", "\\frac"), "tfrac": ("FRAC", "\\frac"),
    "sqrt": ("SQRT", "\\sqrt"), "partial": ("PARTIAL", "∂"),
    "cdot": ("MUL_OP", "*"), "times": ("MUL_OP", "*"), "div": ("MUL_OP", "/"),
    "lvert": ("BAR_OPEN", "|"), "rvert": ("BAR_CLOSE", "|"),
    **{g: ("NAME", g) for g in GREEK_WORDS if g not in ("omicron", "Omicron")},
    **{v: ("NAME", g) for v, g in _VARIANTS.items()},
}
# Commands that only steer the reading of the next token or only space things out.
SPACING = frozenset({",", ";", ":", "!", " ", "quad", "qquad", "displaystyle"})
SIZING = frozenset({"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"})
NAMED = frozenset({"operatorname", "mathrm", "text", "mathit"})


def greek_name(char: str) -> str:
    """'θ' -> 'theta', 'Ω' -> 'Omega', 'λ' -> 'lambda' (Unicode spells it LAMDA), 'ϕ' -> 'phi'."""
    words = unicodedata.name(char).split()
    letter = words[-1].lower() if words[-1] != "SYMBOL" else words[-2].lower()
    letter = "lambda" if letter == "lamda" else letter
    return letter.capitalize() if "CAPITAL" in words else letter


def is_latex(text: str) -> bool:
    """Whether ``text`` is LaTeX: it has a ``\\command`` or is wrapped in ``$...$``."""
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == "$" and stripped[-1] == "$":
        return True
    if "\\" not in text:
        return False
    return any(part[:1].isalpha() for part in text.split("\\")[1:])


def strip_dollars(text: str) -> str:
    """``$x^2$`` -> `` x^2 `` (same length, so error columns stay those of the input)."""
    stripped = text.strip()
    if not (len(stripped) >= 2 and stripped[0] == "$" and stripped[-1] == "$"):
        return text
    start, end = text.index("$"), text.rindex("$")
    width = 2 if text.startswith("$$", start) and text[end - 1:end + 1] == "$$" and end - 1 > start + 1 else 1
    return (text[:start] + " " * width + text[start + width:end + 1 - width] + " " * width + text[end + 1:])
