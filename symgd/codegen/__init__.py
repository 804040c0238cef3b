"""Stage 3: the graph as code. The flat program (``ir``), names made safe (``names``), one printer per
style (``printers``: allocating; ``buffered``: NumPy ``out=``; ``sample_loop``/``indexed_loops``: numba
loops), data programs (``data``, ``data_printer``, ``data_torch``), indexed sums (``indexed``), the
loader (``runtime``) and ``compile`` (``api``)."""
