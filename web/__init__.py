"""Static pages of the book (python -m web.export)."""
