"""What the App is given instead of reaching out itself: folder, GitLab connection, token, detection.

Tests pass the real things (a sandbox URL and token, a tmp repository); ``run_wizard`` builds them
from the command line. The token lives only here, in memory.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable


@dataclass
class Services:
    workdir: Path
    # connect(url, token) -> wizard.gitlab.GitLabClient; None when wizard.gitlab is not available
    connect: Callable[[str, str], Any] | None = None
    token: str = field(default="", repr=False)  # never written anywhere; shown only as dots, left out of repr
    url_source: str = ""  # where the URL came from, e.g. "git remote origin"
    token_source: str = ""  # e.g. "GITLAB_TOKEN", "glab config", "sandbox"
    sandbox: bool = False
    detection: Any = None  # wizard.detect.Detection, or None
    clock: Callable[[], float] = time.monotonic
    secrets: dict[str, str] = field(default_factory=dict, repr=False)  # CI/CD variable values typed in, by key
    registration_token: str = field(default="", repr=False)  # the legacy runner registration token, when that workflow is chosen
    register_with_local_runner: bool = False  # run the installed gitlab-runner register at apply
    host_has_docker: bool = False  # shell executor: the user did the host set-up (Docker Engine, docker group)
    client: Any = None  # the connected GitLabClient, once the connection test passed
    report: Any = None  # its wizard.gitlab.AccessReport
    # called with the config.toml path after the runner entry is written (the sandbox registers it then)
    after_runner_config: Callable[[Path], None] | None = None
