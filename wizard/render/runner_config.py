"""The runner's side: its ``[[runners]]`` entry in config.toml and the `gitlab-runner register` command.

Both follow the executor the pipeline was generated for, so the two cannot disagree: privileged for
Docker-in-Docker, the ``/certs/client`` volume for DinD with TLS, the Docker socket volume for socket
binding. Keys are the ones gitlab-runner's ``common/config.go`` knows (``name``, ``url``, ``token``,
``executor``, ``[runners.docker]`` ``image``/``privileged``/``tls_verify``/``volumes``/``disable_cache``).
"""

from __future__ import annotations

import functools
import os
import shlex

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable, Table

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import UnmergeableFile, header_lines
from dockwright.wizard.render.kubernetes import kubernetes_entry, render_helm_commands

CERTS_VOLUME = "/certs/client"
SOCKET_VOLUME = "/var/run/docker.sock:/var/run/docker.sock"
CACHE_VOLUME = "/cache"
_MANAGED_VOLUMES = (CERTS_VOLUME, SOCKET_VOLUME)
# the names a job's `services:` may give the dind image (GitLab's docs list both spellings)
DIND_SERVICE_PATTERNS = ("docker:*-dind", "docker:dind", "docker.io/library/docker:*-dind", "docker.io/library/docker:dind")


# BuildKit rootless and Buildah without privilege on the docker executor: Docker's default seccomp and AppArmor
# profiles refuse the unshare and mount calls they make (moby/buildkit docs/rootless.md runs the image with
# exactly these two; docker_sim plays the refusal). gitlab-runner's common/config.go: [runners.docker] security_opt.
DAEMONLESS_SECURITY_OPT = ("seccomp:unconfined", "apparmor:unconfined")


def runner_executor(plan: Plan) -> str:
    """gitlab-runner's executor name for the plan: ``shell``, ``docker`` or ``kubernetes``."""
    return plan.runner_kind


def runner_volumes(plan: Plan) -> list[str]:
    """The volumes the docker executor needs for the plan's way of running Docker."""
    if plan.build_method == "dind-tls":
        return [CERTS_VOLUME, CACHE_VOLUME]
    if plan.build_method == "socket":
        return [SOCKET_VOLUME, CACHE_VOLUME]
    return [CACHE_VOLUME]


def runner_privileged(plan: Plan) -> bool:
    """Docker-in-Docker needs a privileged container; socket binding, shell, BuildKit rootless and Buildah do not."""
    return plan.build_method in ("dind-tls", "dind")


def privileged_services_only(plan: Plan) -> bool:
    """Restricted privilege (runner.privileged_services_only): the dind service is privileged, the job is not."""
    return plan.runner.privileged_services_only and plan.executor in ("docker-dind-tls", "docker-dind")


def _docker_table(plan: Plan, old: Table | InlineTable | None) -> Table | InlineTable:
    table = old if old is not None else tomlkit.table()
    if old is None:
        table["tls_verify"] = False  # TLS of the runner's own connection to its Docker host, not dind's
    table["image"] = plan.runner.docker_image
    if privileged_services_only(plan):
        # gitlab-runner's common/config.go: services_privileged overrides privileged for services, and
        # allowed_privileged_services (doublestar patterns) limits it to the dind images
        table["privileged"] = False
        table["services_privileged"] = True
        table["allowed_privileged_services"] = list(DIND_SERVICE_PATTERNS)
    else:
        table["privileged"] = runner_privileged(plan)
        for key in ("services_privileged", "allowed_privileged_services"):
            if key in table:
                del table[key]
    if plan.daemonless:
        table["security_opt"] = list(DAEMONLESS_SECURITY_OPT)
    elif "security_opt" in table and [str(v) for v in table["security_opt"]] == list(DAEMONLESS_SECURITY_OPT):
        del table["security_opt"]  # dockwright's own, from an earlier daemonless choice
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
                        token: str | None = None, name: str | None = None, runner_id: int | None = None) -> str:
    """The whole config.toml text with the plan's ``[[runners]]`` entry merged in.

    Which entry is dockwright's: with ``runner_id`` (apply, which knows the runner it created or reused) the
    entry whose ``id`` is that runner's; without it, an entry with the same name and url that has no ``token``
    (a register template dockwright wrote before). Any other entry, even one with the same name, is never
    changed: a new entry is added next to it (other runners' ``privileged`` and volumes stay theirs).
    Global keys, comments and the entry's own other keys (``limit``, ``[runners.cache]`` ...) are kept.

    Without ``token`` the entry has no ``token`` key: it is the template for
    ``gitlab-runner register --template-config`` (register appends its own entry with the token and takes
    the docker settings from the template; register.go empties a template's token anyway). For the hosted
    executor there is no runner of the user's, and ``existing`` comes back unchanged.
    Raises :class:`~wizard.render.common.UnmergeableFile` when ``existing`` is not TOML.
    """
    if not plan.uses_own_runner:
        return existing or ""
    return _merged_entry(plan, existing, url, token, name or plan.runner.description, runner_id)


def find_entry(runners: list, *, url: str, name: str, runner_id: int | None) -> Table | None:
    """dockwright's own entry among ``runners`` (see :func:`render_runner_entry`), or None."""
    for entry in runners:
        if runner_id is not None:
            if entry.get("id") is not None and str(entry.get("id")) == str(runner_id):
                return entry
        elif ("token" not in entry and entry.get("name") == name
              and str(entry.get("url", "")).rstrip("/") == url.rstrip("/")):
            return entry
    return None


@functools.lru_cache(maxsize=32)
def _merged_entry(plan: Plan, existing: str | None, url: str, token: str | None, name: str,
                  runner_id: int | None) -> str:
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
        how = ("Other runners and your keys are kept." if token is not None else
               "A template for `gitlab-runner register --template-config FILE`: no token here.")
        for line in header_lines("config.toml", how):
            doc.add(tomlkit.comment(line[2:]))
        if token is not None:
            doc.add("concurrent", 1)
            doc.add("check_interval", 0)
        doc.add(tomlkit.nl())
    runners = doc.get("runners")
    if runners is None:
        runners = tomlkit.aot()
        doc.append("runners", runners)
    elif not isinstance(runners, AoT):
        raise UnmergeableFile("config.toml", "its `runners` is not a list of [[runners]] tables")
    entry = find_entry(list(runners), url=url, name=name, runner_id=runner_id)
    if entry is None:
        if len(runners) and not tomlkit.dumps(doc).endswith("\n\n"):
            runners[-1].add(tomlkit.nl())  # a blank line between the last runner and ours
        entry = tomlkit.table()
        entry["name"] = name
        entry["url"] = url
        if runner_id is not None:
            entry["id"] = runner_id
        if token is not None:
            entry["token"] = token
        runners.append(entry)
        entry = runners[-1]
    elif token is not None:
        entry["token"] = token
    old = entry.get("docker")
    if old is not None and not isinstance(old, (Table, InlineTable)):
        raise UnmergeableFile("config.toml", f"the [[runners]] entry {name!r} has `docker = {old.as_string()}`, "
                              "which is not a table of docker settings (gitlab-runner cannot load it)")
    entry["executor"] = runner_executor(plan)
    if plan.runner_kind == "kubernetes":
        if "docker" in entry:
            del entry["docker"]
        kubernetes_entry(plan, entry)
    elif plan.executor == "shell":
        if "docker" in entry:
            del entry["docker"]
    else:
        table = _docker_table(plan, old)
        if old is None:
            entry["docker"] = table
    return tomlkit.dumps(doc)


def _q(value: str) -> str:
    return shlex.quote(value)


def shell_path(path: str) -> str:
    """``path`` as a shell word that still means the same file: ``~/x`` becomes ``"$HOME"/x`` (a quoted ``~``
    is not expanded, and ``--config '~/x'`` would write ``./~/x``); ``~user/x`` is expanded here."""
    if path == "~" or path.startswith("~/"):
        rest = path[2:]
        return '"$HOME"' + (f"/{_q(rest)}" if rest else "")
    if path.startswith("~"):
        path = os.path.expanduser(path)
    return _q(path)


def token_env_name(plan: Plan) -> str:
    """The environment variable `gitlab-runner register` reads the token from (register.go / common/config.go):
    CI_SERVER_TOKEN is ``--token``, REGISTRATION_TOKEN is the deprecated ``--registration-token``."""
    return "REGISTRATION_TOKEN" if plan.runner.workflow == "registration-token" else "CI_SERVER_TOKEN"


def render_register_command(plan: Plan, *, url: str, template_path: str | None = None) -> str:
    """The exact `gitlab-runner register` command for the plan's workflow.

    The token is never on the command line (``ps`` shows every process's argv to every user): it is read
    into the environment without echo first, and register takes it from there (``CI_SERVER_TOKEN``, or
    ``REGISTRATION_TOKEN`` for the deprecated workflow), as ``apply`` does. Under sudo the variable is
    passed with ``--preserve-env=NAME``, since sudo resets the environment.
    With ``template_path`` (the file ``generate --runner-config`` wrote) register takes the entry's other
    settings from it (``--template-config``) and appends its own entry with the token.
    With a runner authentication token (``glrt-``, the current workflow) tags, run-untagged, locked and
    access level were set when the runner was created; passing them to `register` is a fatal error,
    so they are left out. The deprecated registration-token workflow passes them, with a comment.
    """
    if plan.runner_kind == "kubernetes":
        return render_helm_commands(plan)
    env = token_env_name(plan)
    sudo = f"sudo --preserve-env={env} " if plan.runner.config_path.startswith("/etc/") else ""
    lines: list[str] = []
    legacy = plan.runner.workflow == "registration-token"
    if legacy:
        lines += [
            "# Registration tokens are deprecated since GitLab 15.6 and disabled by default since 17.0.",
            "# Prefer creating the runner in GitLab (or POST /user/runners) and registering with its glrt- token.",
        ]
    what = "the registration token" if legacy else "the runner's glrt- token"
    lines += [f"# Paste {what} at the prompt (not echoed): the token stays out of the command line, where `ps`",
              "# would show it to every user of the machine.",
              f"read -rs {env} && export {env}"]
    args = [f"--url {_q(url)}", f"--description {_q(plan.runner.description)}"]
    if plan.runner.config_path != "/etc/gitlab-runner/config.toml":
        args.insert(0, f"--config {shell_path(plan.runner.config_path)}")
    if template_path:
        args.insert(0, f"--template-config {shell_path(template_path)}")
    args.append(f"--executor {runner_executor(plan)}")
    if legacy:
        if plan.runner.tags:
            args.append(f"--tag-list {_q(','.join(plan.runner.tags))}")
        args.append(f"--run-untagged={'true' if plan.runner.run_untagged else 'false'}")
        args.append("--locked=true")
        args.append(f"--access-level={'ref_protected' if plan.runner.protected else 'not_protected'}")
    if plan.executor != "shell":
        args.append(f"--docker-image {_q(plan.runner.docker_image)}")
        if privileged_services_only(plan):
            args.append("--docker-services_privileged=true")
            args += [f"--docker-allowed-privileged-services {_q(p)}" for p in DIND_SERVICE_PATTERNS]
        elif runner_privileged(plan):
            args.append("--docker-privileged")
        for volume in runner_volumes(plan):
            args.append(f"--docker-volumes {_q(volume)}")
    lines.append(f"{sudo}gitlab-runner register --non-interactive \\")
    lines += [f"  {a} \\" for a in args[:-1]] + [f"  {args[-1]}"]
    lines.append(f"unset {env}")
    return "\n".join(lines) + "\n"
