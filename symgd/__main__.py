"""``python -m symgd``: the same as the ``symgd`` command."""
from symgd.cli import entrypoint

entrypoint()
