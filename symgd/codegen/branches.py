"""Branch-safe printing of Piecewise (and where), mixed into every backend's printer (issue 14)."""
from __future__ import annotations


class BranchPrinting:
    """Printing rules that keep an untaken branch from reaching the user as a nan, inf or warning."""
