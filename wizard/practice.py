"""The one door from the core to the practice GitLab, :mod:`dockwright.sandbox`.

The sandbox is a product beside the core. The core offers it in two places only: ``--sandbox`` (the
wizard and ``--plain`` practise against it) and ``dockwright sandbox`` (serves it). Both come through
this module, which imports the sandbox lazily, inside each function: importing any other part of
``dockwright.wizard`` never loads it (tests/unit/test_import_hygiene.py holds both rules).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from dockwright.wizard.errors import BadInput


class PracticeGitLab(Protocol):
    """What the core uses of a running sandbox (:class:`dockwright.sandbox.Sandbox`)."""

    url: str
    token: str  # a practice token, new at every start, never written to disk
    project_path: str
    data_dir: Path

    def register_runners_from_config(self, path: str | os.PathLike[str], *,
                                     host_has_docker: bool = False) -> list[int]: ...

    def create_group_projects(self, group: str, count: int) -> list[str]: ...

    def stop(self) -> None: ...


def start_sandbox(data_dir: str | os.PathLike[str] | None = None, *, host: str = "127.0.0.1", port: int = 0,
                  job_seconds: float = 1.5, reset: bool = False, latency: float = 0.0, error_rate: float = 0.0,
                  rate_limit: int | None = None, drop_rate: float = 0.0, fault_seed: int = 0,
                  demo: str | None = None, engine: str = "sim") -> PracticeGitLab:
    """Start a sandbox on this machine's loopback (``data_dir`` None: the default one).

    ``engine``: ``sim`` (simulated builds), ``auto`` (the engine this machine has, else the simulation), or
    ``docker``/``podman``/``buildah``: see dockwright/sandbox/real_engine.py.

    The fault options (``dockwright sandbox --latency`` etc.) are off by default; a bad one is a BadInput.
    ``demo`` (``--demo STACK``) starts the demo project over as that stack's (see :func:`demo_stacks`)."""
    from dockwright.sandbox import Faults, Sandbox

    try:
        faults = Faults(latency=latency, error_rate=error_rate, rate_limit_per_minute=rate_limit,
                        drop_rate=drop_rate, seed=fault_seed)
    except ValueError as exc:
        raise BadInput(str(exc), "See `dockwright sandbox --help` for the fault options.") from None
    return Sandbox(data_dir, host=host, port=port, faults=faults, job_seconds=job_seconds, reset=reset,
                   demo=demo, engine=engine).start()


def demo_stacks() -> list[str]:
    """The stacks ``--demo`` offers, the default (python) first."""
    from dockwright.sandbox.demo import DEMO_STACKS

    return list(DEMO_STACKS)


def check_demo_stack(stack: str) -> str:
    """``stack`` when the sandbox has a demo project for it, else a BadInput listing the stacks (exit 2)."""
    from dockwright.sandbox.demo import check_demo

    return check_demo(stack)


def practice_folder(sandbox: PracticeGitLab) -> Path:
    """The clone of the sandbox's demo project that ``--sandbox`` works in (kept between runs)."""
    from dockwright.sandbox.practice import practice_folder as folder

    return folder(sandbox)


def practice_runner_config(sandbox: PracticeGitLab) -> Path:
    """Where a practice runner's config.toml goes: beside the sandbox's data (/etc is not ours to write)."""
    return Path(sandbox.data_dir).parent / "runner" / "config.toml"


def default_data_dir() -> Path:
    from dockwright.sandbox import default_data_dir as default

    return default()


def read_runner_config(path: Path) -> str:
    """A gitlab-runner config.toml's text, or a BadInput saying what is wrong with the file."""
    from dockwright.sandbox.api_runners import read_config

    return read_config(path)


def register_runners_in_data_dir(data_dir: Path, config_text: str, config_path: Path, *,
                                 host_has_docker: bool = False) -> list[int]:
    """Bring online, in the (stopped) sandbox whose state is in ``data_dir``, the runners of a config.toml."""
    from dockwright.sandbox.api_runners import register_from_config_text
    from dockwright.sandbox.store import Store

    store = Store(data_dir / "sandbox.sqlite3")
    try:
        return register_from_config_text(store, store.get_meta("url", "") or "", config_text, str(config_path),
                                         host_has_docker=host_has_docker)
    finally:
        store.close()
