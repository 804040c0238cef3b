"""Stage 4: loops over an optimizer rule. The array driver (``driver``), the generated fused loops
(``fused``, ``composed``: scalar problems; ``fused_data``, ``data_numba``: data problems) and the
vector descent of indexed sums (``vector``)."""
