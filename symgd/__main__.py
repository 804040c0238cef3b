"""``python -m symgd``: the same as the ``symgd`` command."""
from symgd.cli import entrypoint

if __name__ == "__main__":  # a worker process of `symgd serve` imports this module again: run nothing then
    entrypoint()
