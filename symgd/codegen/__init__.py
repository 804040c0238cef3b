"""Stage 3: the graph as code. The flat program (``ir``), names made safe (``names``), one printer per
style (``printers``: allocating; ``buffered``: NumPy ``out=``; ``scalar_loop``: the numba loop writer,
over samples in ``sample_loop``, over indices in ``indexed_loops``), data programs (``data``,
``data_printer``, ``data_torch``), indexed sums (``indexed``), the loader (``runtime``) and ``compile``
(``api``)."""
