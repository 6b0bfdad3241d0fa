"""Programs other than ``docker`` that dockwright's generated jobs run, as the sandbox plays them.

- ``gtcs scan``: the analyzer of GitLab's Container Scanning template (its job runs it in
  ``registry.gitlab.com/security-products/container-scanning``). It pulls ``CS_IMAGE`` (default
  ``$CI_APPLICATION_REPOSITORY:$CI_APPLICATION_TAG``, i.e. ``$CI_REGISTRY_IMAGE/$CI_COMMIT_REF_SLUG:$CI_COMMIT_SHA``)
  with ``CS_REGISTRY_USER``/``CS_REGISTRY_PASSWORD`` (default: the job's registry credentials) and writes
  ``gl-container-scanning-report.json`` and ``gl-dependency-scanning-report.json``. The sandbox checks the pull
  against its own registry (an image that is not there fails the scan, as a missing image does) and, having no
  vulnerability database, writes reports that list none, and says so.

Each is a shell handler (:class:`~dockwright.sandbox.shell_sim.Invocation` -> ``CommandResult``) that
``tool_commands`` builds for one job; files it writes land in the job's workspace (artifacts find them).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, MutableMapping

from dockwright.sandbox.docker_images import InvalidReference, RegistryPort, parse_reference
from dockwright.sandbox.shell_sim import LOG, CommandResult, Invocation

CS_REPORT = "gl-container-scanning-report.json"
DS_REPORT = "gl-dependency-scanning-report.json"
CS_SCHEMA_VERSION = "15.0.7"
_ANALYZER = {"id": "gcs", "name": "GitLab Container Scanning", "version": "7.0.0", "vendor": {"name": "GitLab"}}
_SCANNER = {"id": "trivy", "name": "Trivy", "version": "0.57.0", "vendor": {"name": "GitLab"}}


def _report(kind: str, started: str) -> str:
    return json.dumps({
        "version": CS_SCHEMA_VERSION, "vulnerabilities": [], "remediations": [],
        "scan": {"analyzer": _ANALYZER, "scanner": _SCANNER, "type": kind, "start_time": started,
                 "end_time": started, "status": "success"},
    }, indent=2) + "\n"


def _gtcs(inv: Invocation, registry: RegistryPort, files: MutableMapping[str, str]) -> CommandResult:
    env = inv.env
    if inv.argv[1:2] != ["scan"]:
        return CommandResult(1).err("Usage: gtcs scan\n")
    image = env.get("CS_IMAGE") or (
        f"{env.get('CI_APPLICATION_REPOSITORY') or env.get('CI_REGISTRY_IMAGE', '') + '/' + env.get('CI_COMMIT_REF_SLUG', '')}"
        f":{env.get('CI_APPLICATION_TAG') or env.get('CI_COMMIT_SHA', '')}")
    out = CommandResult()
    out.out(f"[INFO] [container-scanning] \u25b6 Scanning container from registry {image} for vulnerabilities\n")
    try:
        ref = parse_reference(image)
    except InvalidReference as exc:
        out.code = 1
        return out.err(f"[FATA] [container-scanning] \u25b6 Invalid image reference {image!r}: {exc}\n")
    if ref.domain == registry.host:
        user = env.get("CS_REGISTRY_USER") or env.get("CI_REGISTRY_USER", "")
        password = env.get("CS_REGISTRY_PASSWORD") or env.get("CI_REGISTRY_PASSWORD", "")
        if not registry.authenticate(user, password):
            out.code = 1
            return out.err(f"[FATA] [container-scanning] \u25b6 Failed to pull {image}: unauthorized: HTTP Basic: "
                           "Access denied\n")
        if not registry.has(ref.path, ref.tag or "latest"):
            out.code = 1
            return out.err(f"[FATA] [container-scanning] \u25b6 Failed to pull {image}: manifest unknown: "
                           "the image is not in the registry (was it pushed in an earlier stage?)\n")
    else:
        out.chunks.append((LOG, f"[sandbox] gtcs: {ref.domain} is not the sandbox's registry; the image is not "
                                "pulled\n"))
    out.chunks.append((LOG, "[sandbox] gtcs: the sandbox has no vulnerability database; the reports list no "
                            "vulnerabilities\n"))
    started = env.get("CI_JOB_STARTED_AT", "") or "1970-01-01T00:00:00"
    for name, kind in ((CS_REPORT, "container_scanning"), (DS_REPORT, "dependency_scanning")):
        files[posixpath.join(inv.cwd, name)] = _report(kind, started)
    return out.out(f"[INFO] [container-scanning] \u25b6 Scanning finished: 0 vulnerabilities; report written to "
                   f"{CS_REPORT}\n")


def tool_commands(registry: RegistryPort, files: Callable[[], MutableMapping[str, str]]
                  ) -> dict[str, Callable[[Invocation], CommandResult]]:
    """The handlers for one job: ``files()`` gives the job's workspace (the shells' shared ``files``)."""
    return {"gtcs": lambda inv: _gtcs(inv, registry, files())}
