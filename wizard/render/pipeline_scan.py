"""GitLab's Container Scanning as an opt-in (``pipeline.container_scanning``). Pure: no I/O.

GitLab's documented way (doc/user/application_security/container_scanning/index.md): include the
``Jobs/Container-Scanning.gitlab-ci.yml`` template and set ``CS_IMAGE`` on its ``container_scanning`` job
to the image to scan. GitLab merges the included job with the keys written here, so only what differs is
written:

- ``CS_IMAGE``: the tag the build job pushed in this pipeline (``:$CI_COMMIT_SHA``), so the scan is of
  this commit's image, not an older ``latest``;
- ``stage``: the release stage, after the build stage (the template's ``test`` stage is not in
  dockwright's ``stages:``, and a scan must not run before the image is pushed);
- ``tags``: the runner's tags when dockwright creates the runner, or no runner of the project would pick
  the job up (it has no tags in the template, and dockwright's runner does not run untagged jobs).

The scanner pulls the image with ``CI_REGISTRY_USER``/``CI_REGISTRY_PASSWORD`` (the template's
defaults), so it is offered for GitLab's registry only; it runs in its own image (a Docker-type executor,
not the shell executor). The template's rules run it in branch pipelines only (not in merge request or tag
pipelines). Container Scanning itself is in every tier; the vulnerability report in merge requests and the
security dashboard are Ultimate.
"""

from __future__ import annotations

from collections.abc import Sequence

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import yaml_scalar
from dockwright.wizard.render.registry import image_name

SCAN_JOB = "container_scanning"
SCAN_TEMPLATE = "Jobs/Container-Scanning.gitlab-ci.yml"
# top-level lines of the scan part that live between dockwright's markers
SCAN_BLOCK_LINES = ("include:", f"{SCAN_JOB}:")


def scans(plan: Plan) -> bool:
    return plan.pipeline.container_scanning


def scan_stage(plan: Plan) -> str:
    return plan.pipeline.stages[1]


def scan_plan_problems(plan: Plan) -> list[tuple[str, str, str]]:
    """check_plan's rules for the option: (key, problem, allowed)."""
    if not scans(plan):
        return []
    out = []
    if plan.registry.kind != "gitlab":
        out.append(("pipeline.container_scanning", f"is true with registry.kind {plan.registry.kind}",
                    "false, or registry.kind: gitlab (the scanner pulls the image with the job's own GitLab "
                    "registry credentials)"))
    if plan.executor == "shell":
        out.append(("pipeline.container_scanning", "is true with the shell executor",
                    "false, or a Docker executor (the scanner runs in its own image)"))
    return out


def scan_lines(plan: Plan) -> list[str]:
    """The include and the ``container_scanning`` keys dockwright sets, or nothing when the option is off."""
    if not scans(plan):
        return []
    out = ["", "# GitLab's Container Scanning (opt-in): scans the image this pipeline pushed for known",
           "# vulnerabilities, after the build stage. The job itself comes from GitLab's template.",
           "include:", f"  - template: {SCAN_TEMPLATE}", "", f"{SCAN_JOB}:", f"  stage: {yaml_scalar(scan_stage(plan))}"]
    if plan.job_tags:
        out.append("  tags:")
        out += [f"    - {yaml_scalar(t)}" for t in plan.job_tags]
    out += ["  variables:", f"    CS_IMAGE: {yaml_scalar(f'{image_name(plan)}:$CI_COMMIT_SHA')}"]
    return out


def scan_merge_problem(plan: Plan, keys: Sequence[tuple[str, int]]) -> tuple[str, int] | None:
    """A key of the user's file that a scan block would repeat (YAML refuses a key twice): (key, index)."""
    if not scans(plan):
        return None
    return next(((k, i) for k, i in keys if k in ("include", SCAN_JOB)), None)
