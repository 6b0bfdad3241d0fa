"""The user's own runner: create or reuse it in GitLab, write its config.toml entry, wait until it is online.

Current workflow (GitLab 15.10+): ``POST /user/runners`` creates a project runner with its tags and
returns a ``glrt-`` runner authentication token, shown only this once. Deprecated workflow: a
registration token with ``POST /runners``, which GitLab 17.0+ answers with 410 by default.

The runner's token goes where gitlab-runner itself puts it: the ``[[runners]]`` entry of config.toml,
written atomically with mode 0600. The user's own GitLab token is never written anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT

from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import BadInput, DockwrightError, NetworkError
from dockwright.wizard.files import read_text_or_none, write_atomic
from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import UnmergeableFile
from dockwright.wizard.render.runner_config import (
    DIND_SERVICE_PATTERNS,
    find_entry,
    privileged_services_only,
    render_runner_entry,
    runner_executor,
    runner_privileged,
    runner_volumes,
)

CONFIG_MODE = 0o600  # what gitlab-runner uses (common/config.go): the file holds the runner's token
ONLINE_STATUSES = ("online",)


# what dockwright writes in the maintenance note of a runner it creates: how a later apply knows the runner
# as its own (to update it when the answers change, or to offer deleting it when no config.toml holds it)
DOCKWRIGHT_NOTE = ("Created by dockwright. `dockwright apply` updates it when the answers change and offers to "
                   "delete it when no config.toml holds it.")


def is_dockwrights(runner: dict) -> bool:
    """A project runner dockwright created (its maintenance note says so)."""
    return runner.get("runner_type", "project_type") == "project_type" and str(
        runner.get("maintenance_note") or "").startswith("Created by dockwright")


@dataclass(frozen=True)
class RunnerInGitLab:
    """The runner as GitLab knows it; ``token`` only when it was just created (it cannot be read back).
    ``updated``: what an update changed in GitLab ("tags docker → docker, gpu"); ``replaces``: the id of the
    runner it replaces (to be deleted once config.toml holds the new one), with ``why``."""

    id: int
    created: bool
    token: Secret | None = None
    updated: tuple[str, ...] = ()
    replaces: int | None = None
    why: str = ""


def runner_name(plan: Plan) -> str:
    """The entry's ``name`` in config.toml: the runner's description, as `gitlab-runner register` would ask."""
    return plan.runner.description


def _entries(text: str | None) -> list[Any]:
    if not text or not text.strip():
        return []
    try:
        doc = tomlkit.parse(text)
    except (TOMLKitError, RecursionError) as exc:
        raise BadInput(f"The runner config file is not valid TOML ({exc}).",
                       "Fix or move it away, then re-run; dockwright does not overwrite a file it cannot read.") from None
    runners = doc.get("runners")
    if runners is not None and not isinstance(runners, AoT):
        raise UnmergeableFile("config.toml", "its `runners` is not a list of [[runners]] tables")
    return list(runners) if runners is not None else []


def check_config(path: Path) -> None:
    """Raise :class:`BadInput` when ``path`` cannot hold the runner's config.toml: a folder, or a file that is
    not valid TOML or whose ``runners`` is not a list of tables (checked before apply changes anything)."""
    if path.is_dir():
        raise BadInput(f"The runner config path {path} is a folder.",
                       "Set runner.config_path to a config.toml file (e.g. ~/.gitlab-runner/config.toml).")
    _entries(read_text_or_none(path))


def _same_url(a: Any, b: str) -> bool:
    return str(a or "").rstrip("/") == b.rstrip("/")


def config_entry(text: str | None, *, url: str, name: str, runner_id: int | None = None) -> dict | None:
    """dockwright's ``[[runners]]`` entry in config.toml text: by ``id`` when the runner is known, else a
    template entry (same name and url, no token). Another runner's entry with the same name is not ours."""
    entries = _entries(text)
    entry = find_entry(entries, url=url, name=name, runner_id=runner_id)
    return dict(entry) if entry is not None else None


def own_entry_changes(plan: Plan, text: str | None, *, url: str) -> list[str]:
    """What applying ``plan`` would change in the entries dockwright wrote at an earlier apply (same name and
    url, with an ``id``), one sentence each; shown in the review, since those settings may have been edited."""
    out: list[str] = []
    for entry in _entries(text):
        if entry.get("id") is None or entry.get("name") != runner_name(plan):
            continue
        if not _same_url(entry.get("url"), url):
            continue
        before = tomlkit.parse(tomlkit.dumps({"runners": [entry]}))
        after = tomlkit.parse(render_runner_entry(plan, tomlkit.dumps(before), url=url, runner_id=int(entry["id"])))
        old, new = before["runners"][0].unwrap(), after["runners"][0].unwrap()
        changed = [f"executor {old.get('executor')!r} -> {new.get('executor')!r}"] if old.get("executor") != new.get("executor") else []
        old_d, new_d = old.get("docker", {}), new.get("docker", {})
        for key in sorted(set(old_d) | set(new_d)):
            if old_d.get(key) != new_d.get(key):
                changed.append(f"docker.{key} {old_d.get(key)!r} -> {new_d.get(key)!r}")
        if changed:
            out.append(f"runner #{entry['id']} ({runner_name(plan)}), written by an earlier apply, changes: "
                       + "; ".join(changed))
    return out


def held_ids(text: str | None, *, url: str) -> set[int]:
    """The runner ids the config.toml entries for ``url`` hold."""
    return {int(e["id"]) for e in _entries(text) if e.get("id") is not None and _same_url(e.get("url"), url)}


def wanted_fields(plan: Plan) -> dict[str, Any]:
    """What ``PUT /runners/:id`` can set, as the plan wants it."""
    r = plan.runner
    return {"description": r.description, "tag_list": sorted(r.tags), "run_untagged": r.run_untagged,
            "locked": True, "access_level": "ref_protected" if r.protected else "not_protected"}


def runner_differences(runner: dict, plan: Plan) -> dict[str, tuple[Any, Any]]:
    """The fields GitLab has otherwise than the plan: ``{field: (GitLab's, the plan's)}``."""
    have = {"description": runner.get("description"), "tag_list": sorted(runner.get("tag_list") or ()),
            "run_untagged": bool(runner.get("run_untagged")), "locked": bool(runner.get("locked", True)),
            "access_level": runner.get("access_level") or "not_protected"}
    return {k: (have[k], v) for k, v in wanted_fields(plan).items() if have[k] != v}


def _said(changes: dict[str, tuple[Any, Any]]) -> tuple[str, ...]:
    names = {"tag_list": "tags", "run_untagged": "run_untagged", "access_level": "access level"}

    def show(value: Any) -> str:
        return ", ".join(value) or "none" if isinstance(value, list) else repr(value) if isinstance(value, str) \
            else str(value).lower()

    return tuple("marked as dockwright's (maintenance note)" if k == "maintenance_note" else
                 f"{names.get(k, k)} {show(old)} → {show(new)}" for k, (old, new) in changes.items())


def previous_runner(client: Any, project: str, *, config_text: str | None, url: str) -> dict | None:
    """The runner dockwright created for this project that this config.toml holds (its description or tags
    were other then): the one an edited answers file means."""
    held = held_ids(config_text, url=url)
    if not held:
        return None
    mine = [r for r in client.list_project_runners(project) if is_dockwrights(r) and int(r["id"]) in held]
    return min(mine, key=lambda r: int(r["id"])) if mine else None


def orphan_runners(client: Any, project: str, *, config_text: str | None, url: str, keep: int | None) -> list[dict]:
    """The runners dockwright created for this project that this config.toml does not hold (but ``keep``)."""
    held = held_ids(config_text, url=url) | {keep}
    return [r for r in client.list_project_runners(project) if is_dockwrights(r) and int(r["id"]) not in held]


def describe_runner(runner: dict) -> str:
    tags = ", ".join(runner.get("tag_list") or ()) or "no tags"
    return f"Runner #{runner['id']} \"{runner.get('description')}\" ({tags}; {runner.get('status', 'status unknown')})"


def settle_orphans(client: Any, found: list[dict], config_path: Path, ask: Callable[[str], bool] | None) -> list[str]:
    """Ask about each runner of :func:`orphan_runners` and delete the agreed ones; the sentences to say.
    ``ask`` None (no terminal, no --delete-orphan-runners): keep them and say how to delete them."""
    said = []
    for runner in found:
        what = describe_runner(runner)
        question = (f"{what} was created by dockwright for this project, but {config_path} does not hold it. "
                    "Delete it in GitLab (keep it if another machine's gitlab-runner uses it)?")
        if ask is not None and ask(question):
            client.delete_runner(int(runner["id"]))
            said.append(f"{what} deleted.")
        else:
            how = "kept" if ask is not None else (
                "kept: `dockwright apply --delete-orphan-runners` deletes it, or Settings > CI/CD > Runners")
            said.append(f"{what} was created by dockwright, but {config_path} does not hold it; {how}.")
    return said


def ensure_runner_in_gitlab(client: Any, plan: Plan, project: str, *, config_text: str | None, url: str,
                            registration_token: Secret | None = None) -> RunnerInGitLab:
    """Reuse the project runner with the same description and tags, update the one dockwright created before
    (answers edited: new tags, description or flags), or create one.

    An update goes through ``PUT /runners/:id``: the runner keeps its id and token, so config.toml keeps
    working. When GitLab refuses the update, a new runner is created and the old one is named in
    ``replaces`` (the caller deletes it once config.toml holds the new one). A reused runner's token cannot be
    read back from GitLab. If config.toml already has its entry, that entry (and its token) is kept. If not,
    the token is reset (``POST /runners/:id/reset_authentication_token``) so a working config.toml can be
    written; the old token stops working.
    """
    r = plan.runner
    found = client.find_runner(project, description=r.description, tags=r.tags)
    if found is None:
        found = previous_runner(client, project, config_text=config_text, url=url)
    updated: tuple[str, ...] = ()
    if found is not None:
        rid = int(found["id"])
        changes = runner_differences(found, plan)
        if not is_dockwrights(found) and rid in held_ids(config_text, url=url):
            # dockwright wrote its entry (by id) before runners carried the note: marked now, so that an edited
            # answers file updates it instead of making another
            changes["maintenance_note"] = (found.get("maintenance_note"), DOCKWRIGHT_NOTE)
        if changes:
            try:
                client.update_runner(rid, **{k: new for k, (_old, new) in changes.items()})
            except DockwrightError as exc:
                if not is_dockwrights(found):
                    raise
                made = _create(client, plan, project, registration_token)
                return RunnerInGitLab(int(made["id"]), created=True, token=Secret(str(made["token"])),
                                      replaces=rid, why=exc.sentence)
            updated = _said(changes)
        if config_entry(config_text, url=url, name=runner_name(plan), runner_id=rid) is not None:
            return RunnerInGitLab(rid, created=False, updated=updated)
        try:
            token = client.reset_runner_token(rid)
        except DockwrightError as exc:
            raise BadInput(
                f"GitLab already has the runner #{rid} \"{r.description}\" with tags {', '.join(r.tags)}, but its "
                f"token cannot be read back and config.toml has no entry for it, and resetting its token failed "
                f"({exc.sentence})",
                "Restore the config.toml that holds its token, or delete the runner in Settings > CI/CD > Runners "
                "and re-run apply to create a fresh one.") from None
        return RunnerInGitLab(rid, created=False, token=Secret(token), updated=updated)
    made = _create(client, plan, project, registration_token)
    return RunnerInGitLab(int(made["id"]), created=True, token=Secret(str(made["token"])))


def _create(client: Any, plan: Plan, project: str, registration_token: Secret | None) -> dict:
    r = plan.runner
    if r.workflow == "registration-token":
        if registration_token is None:
            raise BadInput("runner.workflow is registration-token, but no registration token was given.",
                           "Set RUNNER_REGISTRATION_TOKEN, or better use workflow: authentication-token "
                           "(registration tokens are disabled by default since GitLab 17.0).")
        return client.register_runner_legacy(registration_token, description=r.description, tags=r.tags,
                                             run_untagged=r.run_untagged, locked=True, protected=r.protected,
                                             note=DOCKWRIGHT_NOTE)
    return client.create_runner(project, description=r.description, tags=r.tags, run_untagged=r.run_untagged,
                                locked=True, protected=r.protected, note=DOCKWRIGHT_NOTE)


def render_config(plan: Plan, existing: str | None, *, url: str, runner: RunnerInGitLab) -> str:
    """config.toml with the runner's entry (found by its ``id``, else added) merged in; other runners kept as
    they are, even one with the same name."""
    token = runner.token.reveal() if runner.token is not None else None
    existing = _renamed(existing, url=url, ids={runner.id, runner.replaces}, name=runner_name(plan), new_id=runner.id)
    if token is None and config_entry(existing, url=url, name=runner_name(plan), runner_id=runner.id) is None:
        raise BadInput(f"config.toml has no entry for runner #{runner.id} and GitLab cannot show its token again.",
                       "Delete the runner in Settings > CI/CD > Runners and re-run apply to create a fresh one.")
    return render_runner_entry(plan, existing, url=url, token=token, name=runner_name(plan), runner_id=runner.id)


def _renamed(text: str | None, *, url: str, ids: set[int | None], name: str, new_id: int) -> str | None:
    """config.toml with the entry of runner ``ids`` (updated in place, or being replaced) named ``name`` and
    holding ``new_id``: the entry the plan's runner is found by, so it is updated instead of a second one added."""
    ids = {i for i in ids if i is not None}
    hit = [e for e in _entries(text) if e.get("id") is not None and int(e["id"]) in ids and _same_url(e.get("url"), url)]
    if not hit or all(e.get("name") == name and int(e["id"]) == new_id for e in hit):
        return text
    doc = tomlkit.parse(text or "")
    for entry in doc.get("runners", []):
        if entry.get("id") is not None and int(entry["id"]) in ids and _same_url(entry.get("url"), url):
            entry["name"] = name
            entry["id"] = new_id
            break
    return tomlkit.dumps(doc)


def write_config(plan: Plan, path: str | os.PathLike[str], *, url: str, runner: RunnerInGitLab) -> str:
    """Write the entry (0600, atomic). Returns ``done`` or ``already in place``."""
    target = Path(path)
    existing = read_text_or_none(target)
    text = render_config(plan, existing, url=url, runner=runner)
    if existing is not None and text == existing and (target.stat().st_mode & 0o777) == CONFIG_MODE:
        return "already in place"
    try:
        write_atomic(target, text, mode=CONFIG_MODE)
    except PermissionError:
        raise BadInput(f"dockwright may not write {target}.",
                       "Run apply with sudo for /etc/gitlab-runner, or set runner.config_path to a file you own "
                       "(e.g. ~/.gitlab-runner/config.toml, where a non-root gitlab-runner looks).") from None
    return "done"


def gitlab_runner_binary() -> str | None:
    return shutil.which("gitlab-runner")


def register_command_args(plan: Plan, *, url: str, config_path: str) -> list[str]:
    """argv of a non-interactive `gitlab-runner register`; the token is NOT in it (see :func:`register_env`)."""
    args = ["gitlab-runner", "register", "--non-interactive", "--config", os.path.expanduser(config_path), "--url", url,
            "--name", runner_name(plan), "--executor", runner_executor(plan)]
    if plan.executor != "shell":
        args += ["--docker-image", plan.runner.docker_image]
        if privileged_services_only(plan):
            args.append("--docker-services_privileged=true")
            for pattern in DIND_SERVICE_PATTERNS:
                args += ["--docker-allowed-privileged-services", pattern]
        elif runner_privileged(plan):
            args.append("--docker-privileged")
        for volume in runner_volumes(plan):
            args += ["--docker-volumes", volume]
    return args


# what `gitlab-runner register` reads from its environment besides the token (see register_env)
REGISTER_ENV_NAMES = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "XDG_RUNTIME_DIR",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY",
})


def register_env(token: Secret) -> dict[str, str]:
    """The child environment: only what gitlab-runner needs (paths, locale, proxies, CA bundles, Docker's
    endpoint), never dockwright's own token or the values of CI/CD variables. The runner's token travels as
    CI_SERVER_TOKEN, register's ``--token``, for both workflows: with the deprecated one apply has already
    created the runner (``POST /runners``), so the token it got back is the runner's authentication token.
    Given as REGISTRATION_TOKEN it would make register create a second runner with it as a registration
    token (register.go ``doLegacyRegisterRunner``), which fails and leaves the first one behind; as ``--token``
    register verifies the runner (``glrt-`` tokens: ``verifyRunner``; older ones: "Token specified trying to
    verify runner") and writes its entry."""
    env = {k: v for k, v in os.environ.items()
           if k in REGISTER_ENV_NAMES or k.startswith("LC_")}
    env["CI_SERVER_TOKEN"] = token.reveal()
    return env


def run_register(plan: Plan, *, url: str, config_path: str, token: Secret, binary: str | None = None,
                 runner: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> str:
    """Run `gitlab-runner register` with the token in its environment, never in argv."""
    args = register_command_args(plan, url=url, config_path=config_path)
    if binary:
        args[0] = binary
    proc = runner(args, env=register_env(token),
                  capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
        raise BadInput("`gitlab-runner register` failed: " + " / ".join(tail).replace(token.reveal(), "****"),
                       "Check that the runner can reach GitLab at the URL, then re-run apply.")
    return "done"


def wait_online(client: Any, runner_id: int, *, timeout: float = 120.0, interval: float = 2.0,
                sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> str:
    """Poll GitLab until the runner is ``online``; raise a sentence on what to check when it is not in time.
    The first polls come sooner (a quarter of ``interval``, doubling): a runner that reads its config.toml
    at once is seen at once, a slow one costs no more requests than before."""
    deadline = clock() + timeout
    status = client.runner_status(runner_id)
    wait = interval / 4
    while status not in ONLINE_STATUSES:
        if clock() >= deadline:
            raise NetworkError(
                f"The runner #{runner_id} did not come online within {timeout:.0f} s (GitLab says {status}).",
                "Check that gitlab-runner is running on the host (`sudo gitlab-runner status`, "
                "`sudo gitlab-runner verify`), that it reads the config.toml dockwright wrote, and that it can "
                "reach GitLab; then re-run apply.")
        sleep(wait)
        wait = min(interval, wait * 2)
        status = client.runner_status(runner_id)
    return status
