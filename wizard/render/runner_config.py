"""The runner's side: its ``[[runners]]`` entry in config.toml and the `gitlab-runner register` command.

Both follow the executor the pipeline was generated for, so the two cannot disagree: privileged for
Docker-in-Docker, the ``/certs/client`` volume for DinD with TLS, the Docker socket volume for socket
binding. Keys are the ones gitlab-runner's ``common/config.go`` knows (``name``, ``url``, ``token``,
``executor``, ``[runners.docker]`` ``image``/``privileged``/``tls_verify``/``volumes``/``disable_cache``).
"""

from __future__ import annotations

import functools
import shlex

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable, Table

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import UnmergeableFile, header_lines

TOKEN_PLACEHOLDER = "<runner token>"
CERTS_VOLUME = "/certs/client"
SOCKET_VOLUME = "/var/run/docker.sock:/var/run/docker.sock"
CACHE_VOLUME = "/cache"
_MANAGED_VOLUMES = (CERTS_VOLUME, SOCKET_VOLUME)


def runner_executor(plan: Plan) -> str:
    """gitlab-runner's executor name for the plan: ``shell`` or ``docker``."""
    return "shell" if plan.executor == "shell" else "docker"


def runner_volumes(plan: Plan) -> list[str]:
    """The volumes the docker executor needs for the plan's way of running Docker."""
    if plan.executor == "docker-dind-tls":
        return [CERTS_VOLUME, CACHE_VOLUME]
    if plan.executor == "docker-socket":
        return [SOCKET_VOLUME, CACHE_VOLUME]
    return [CACHE_VOLUME]


def runner_privileged(plan: Plan) -> bool:
    """Docker-in-Docker needs a privileged container; socket binding and shell do not."""
    return plan.executor in ("docker-dind-tls", "docker-dind")


def _docker_table(plan: Plan, old: Table | InlineTable | None) -> Table | InlineTable:
    table = old if old is not None else tomlkit.table()
    if old is None:
        table["tls_verify"] = False  # TLS of the runner's own connection to its Docker host, not dind's
    table["image"] = plan.runner.docker_image
    table["privileged"] = runner_privileged(plan)
    if old is None:
        table["disable_cache"] = False
    current = table.get("volumes", [])
    if not isinstance(current, list):
        raise UnmergeableFile("config.toml", f"its `volumes = {current.as_string()}` is not a list of volumes")
    kept = [str(v) for v in current if str(v) not in _MANAGED_VOLUMES]
    wanted = runner_volumes(plan)
    volumes = [v for v in wanted if v in _MANAGED_VOLUMES] + kept + [v for v in wanted if v not in kept and v not in _MANAGED_VOLUMES]
    table["volumes"] = volumes
    return table


def render_runner_entry(plan: Plan, existing: str | None = None, *, url: str,
                        token: str = TOKEN_PLACEHOLDER, name: str | None = None) -> str:
    """The whole config.toml text with the plan's ``[[runners]]`` entry merged in.

    The entry is found again by name and url and updated in place; other runners, global keys,
    comments and the entry's own other keys (``id``, ``limit``, ``[runners.cache]`` ...) are kept.
    With the placeholder token an entry that already has a token keeps it. For the hosted
    executor there is no runner of the user's, and ``existing`` comes back unchanged.
    Raises :class:`~wizard.render.common.UnmergeableFile` when ``existing`` is not TOML.
    """
    if not plan.uses_own_runner:
        return existing or ""
    return _merged_entry(plan, existing, url, token, name or plan.runner.description)


@functools.lru_cache(maxsize=32)
def _merged_entry(plan: Plan, existing: str | None, url: str, token: str, name: str) -> str:
    """The merge itself; cached because tomlkit takes milliseconds and the preview re-renders often."""
    if existing is not None and existing.strip():
        try:
            doc = tomlkit.parse(existing)
        except TOMLKitError as exc:
            raise UnmergeableFile("config.toml", f"it is not valid TOML ({exc})") from None
        except RecursionError:
            raise UnmergeableFile("config.toml", "it nests its arrays or tables too deeply to read") from None
    else:
        doc = tomlkit.document()
        for line in header_lines("config.toml", "Other runners and your keys are kept."):
            doc.add(tomlkit.comment(line[2:]))
        doc.add("concurrent", 1)
        doc.add("check_interval", 0)
        doc.add(tomlkit.nl())
    runners = doc.get("runners")
    if runners is None:
        runners = tomlkit.aot()
        doc.append("runners", runners)
    elif not isinstance(runners, AoT):
        raise UnmergeableFile("config.toml", "its `runners` is not a list of [[runners]] tables")
    entry = next((r for r in runners if r.get("name") == name and str(r.get("url", "")).rstrip("/") == url.rstrip("/")), None)
    if entry is None:
        if len(runners) and not tomlkit.dumps(doc).endswith("\n\n"):
            runners[-1].add(tomlkit.nl())  # a blank line between the last runner and ours
        entry = tomlkit.table()
        entry["name"] = name
        entry["url"] = url
        entry["token"] = token
        runners.append(entry)
        entry = runners[-1]
    elif token != TOKEN_PLACEHOLDER or "token" not in entry:
        entry["token"] = token
    old = entry.get("docker")
    if old is not None and not isinstance(old, (Table, InlineTable)):
        raise UnmergeableFile("config.toml", f"the [[runners]] entry {name!r} has `docker = {old.as_string()}`, "
                              "which is not a table of docker settings (gitlab-runner cannot load it)")
    entry["executor"] = runner_executor(plan)
    if plan.executor == "shell":
        if "docker" in entry:
            del entry["docker"]
    else:
        table = _docker_table(plan, old)
        if old is None:
            entry["docker"] = table
    return tomlkit.dumps(doc)


def _q(value: str) -> str:
    return shlex.quote(value)


def render_register_command(plan: Plan, *, url: str, token_env: str = "RUNNER_TOKEN") -> str:
    """The exact `gitlab-runner register` command for the plan's workflow; the token comes from ``$token_env``.

    With a runner authentication token (``glrt-``, the current workflow) tags, run-untagged, locked and
    access level were set when the runner was created; passing them to `register` is a fatal error,
    so they are left out. The deprecated registration-token workflow passes them, with a comment.
    """
    sudo = "sudo " if plan.runner.config_path.startswith("/etc/") else ""
    lines: list[str] = []
    if plan.runner.workflow == "registration-token":
        lines += [
            "# Registration tokens are deprecated since GitLab 15.6 and disabled by default since 17.0.",
            "# Prefer creating the runner in GitLab (or POST /user/runners) and registering with its glrt- token.",
        ]
        args = [f"--url {_q(url)}", f'--registration-token "${token_env}"',
                f"--description {_q(plan.runner.description)}"]
    else:
        args = [f"--url {_q(url)}", f'--token "${token_env}"', f"--description {_q(plan.runner.description)}"]
    if plan.runner.config_path != "/etc/gitlab-runner/config.toml":
        args.insert(0, f"--config {_q(plan.runner.config_path)}")
    args.append(f"--executor {runner_executor(plan)}")
    if plan.runner.workflow == "registration-token":
        if plan.runner.tags:
            args.append(f"--tag-list {_q(','.join(plan.runner.tags))}")
        args.append(f"--run-untagged={'true' if plan.runner.run_untagged else 'false'}")
        args.append("--locked=true")
        args.append(f"--access-level={'ref_protected' if plan.runner.protected else 'not_protected'}")
    if plan.executor != "shell":
        args.append(f"--docker-image {_q(plan.runner.docker_image)}")
        if runner_privileged(plan):
            args.append("--docker-privileged")
        for volume in runner_volumes(plan):
            args.append(f"--docker-volumes {_q(volume)}")
    lines.append(f"{sudo}gitlab-runner register --non-interactive \\")
    lines += [f"  {a} \\" for a in args[:-1]] + [f"  {args[-1]}"]
    return "\n".join(lines) + "\n"
