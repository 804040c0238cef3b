"""Stage 5: results as text, Markdown, LaTeX and JSON (plots live in plot.py)."""
