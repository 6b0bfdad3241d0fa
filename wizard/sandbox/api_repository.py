"""REST handlers (being written)."""

ROUTES: list = []
