"""Test problems written by others (translated by hand into symgd's math text), shared by the tests and
benchmarks: scipy's global-optimization benchmark functions (global_functions) and the Moré–Garbow–Hillstrom
least-squares problems (mgh)."""
