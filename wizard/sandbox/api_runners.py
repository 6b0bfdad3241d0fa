"""REST handlers (being written)."""

ROUTES: list = []


def register_from_config(sandbox, path):
    raise NotImplementedError("runner registration from config.toml is not written yet")
