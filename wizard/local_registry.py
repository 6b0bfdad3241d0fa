"""A real OCI registry on 127.0.0.1: the Distribution registry (Debian's ``docker-registry`` binary).

Started in the foreground as a child of ours, storing under a folder we give, stopped with us. It reads every
``REGISTRY_*`` environment variable as configuration (``REGISTRY_AUTH_FILE`` would turn on authentication,
``REGISTRY_HTTP_ADDR`` move it off 127.0.0.1), so it is started with none of them. Plain HTTP on 127.0.0.1
only: engines reach it with ``--tls-verify=false`` (docker allows 127.0.0.0/8 over HTTP by default).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

from dockwright.wizard.engine import free_port, stop_group
from dockwright.wizard.errors import DockwrightError

BINARIES = ("docker-registry", "registry")  # Debian's name, and the upstream binary's
MANIFEST_TYPES = ", ".join((
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
))


def registry_binary() -> str | None:
    return next((path for name in BINARIES if (path := shutil.which(name))), None)


class LocalRegistry:
    """``with LocalRegistry(folder) as reg:`` -> ``reg.address`` is ``127.0.0.1:PORT``."""

    def __init__(self, folder: str | os.PathLike[str], port: int | None = None) -> None:
        self.folder = Path(folder)
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log = self.folder / "registry.log"

    def start(self, wait: float = 60.0) -> LocalRegistry:
        binary = registry_binary()
        if not binary:
            raise DockwrightError("No registry binary (docker-registry) is installed.",
                                  "On Debian/Ubuntu: apt-get install docker-registry.")
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.folder / 'data'}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.address}\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise DockwrightError(f"The registry stopped at once: {self.log.read_text().strip()[-500:]}")
            try:
                with urlopen(f"http://{self.address}/v2/", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except (URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise DockwrightError(f"The registry did not answer on {self.address} within {wait:.0f} s.")

    # ---- what it holds, read through the registry's own HTTP API (what GitLab's registry pages show) ----------
    def _get(self, path: str, accept: str | None = None) -> tuple[dict, dict[str, str]]:
        request = Request(f"http://{self.address}{path}", headers={"Accept": accept} if accept else {})
        with urlopen(request, timeout=30) as resp:
            return json.loads(resp.read() or b"{}"), dict(resp.headers.items())

    def catalog(self) -> list[str]:
        """The repositories (``/v2/_catalog``)."""
        return sorted(self._get("/v2/_catalog")[0].get("repositories") or [])

    def tags(self, repository: str) -> list[str]:
        """The tags of ``repository`` (``/v2/<repository>/tags/list``); [] when it has none."""
        from urllib.error import HTTPError

        try:
            return sorted(self._get(f"/v2/{repository}/tags/list")[0].get("tags") or [])
        except HTTPError as exc:
            if exc.code == 404:
                return []
            raise

    def manifest(self, repository: str, tag: str) -> tuple[str, int]:
        """(digest, size in bytes) of ``repository:tag``: the manifest's digest and its config plus layers."""
        body, headers = self._get(f"/v2/{repository}/manifests/{tag}", MANIFEST_TYPES)
        digest = next((v for k, v in headers.items() if k.lower() == "docker-content-digest"), "")
        parts = [body.get("config") or {}] + list(body.get("layers") or [])
        return digest, sum(int(part.get("size") or 0) for part in parts)

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)
            self.proc = None

    def __enter__(self) -> LocalRegistry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
