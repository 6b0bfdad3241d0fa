"""Amazon ECR before the first push: does the repository exist, and are its tags mutable?

ECR refuses a push to a repository that does not exist (it is not created on push), and a repository
with tag immutability refuses the second push of a tag, which is every push of ``:main`` and ``:latest``
after the first. ``apply`` asks ``aws ecr describe-repositories`` when the AWS CLI is installed; without
it, the review says what to check by hand. The AWS credentials come from the environment (the same
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` apply reads for the CI/CD variables), never from argv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from dockwright.wizard.plan import Plan

_TIMEOUT = 30


@dataclass(frozen=True)
class EcrFinding:
    ok: bool  # False: the pipeline's push will fail (no repository, immutable tags)
    text: str
    checked: bool = True  # False: no verdict (no credentials, no network): ``text`` says why


def _create_hint(plan: Plan) -> str:
    reg = plan.registry
    return (f"aws ecr create-repository --repository-name {reg.image} --region {reg.region} "
            "--image-tag-mutability MUTABLE")


def unchecked_note(plan: Plan) -> str:
    """What the review says when the AWS CLI is not there to check."""
    reg = plan.registry
    return (f"dockwright cannot check the ECR repository {reg.image} ({reg.region}) here: the aws command is not "
            f"installed. Make sure it exists (`{_create_hint(plan)}`) and that its tags are mutable: with tag "
            "immutability, the second push of :main or :latest is refused.")


def read_describe_output(plan: Plan, returncode: int, stdout: str, stderr: str) -> EcrFinding:
    """``aws ecr describe-repositories --repository-names NAME`` as a finding."""
    name = plan.registry.image
    if returncode != 0:
        if "RepositoryNotFoundException" in stderr:
            return EcrFinding(False, f"The ECR repository {name} does not exist in account {plan.registry.account} "
                                     f"({plan.registry.region}); ECR does not create it on push. Create it: "
                                     f"`{_create_hint(plan)}`.")
        first = next((line.strip() for line in stderr.splitlines() if line.strip()), f"exit status {returncode}")
        return EcrFinding(True, f"dockwright could not check the ECR repository {name}: {first}", checked=False)
    try:
        repos = json.loads(stdout).get("repositories") or []
    except (ValueError, AttributeError):
        return EcrFinding(True, f"dockwright could not read the answer about the ECR repository {name}.",
                          checked=False)
    mutability = str(repos[0].get("imageTagMutability", "MUTABLE")) if repos else "MUTABLE"
    if mutability.startswith("IMMUTABLE"):
        return EcrFinding(False, f"The ECR repository {name} has tag immutability ({mutability}): the second push of "
                                 ":main or :latest will be refused. Make its tags mutable: `aws ecr "
                                 f"put-image-tag-mutability --repository-name {name} --region {plan.registry.region} "
                                 "--image-tag-mutability MUTABLE`.")
    return EcrFinding(True, f"ECR repository {name} exists, tags mutable.")


def check_ecr_repository(plan: Plan, env: Mapping[str, str] | None = None) -> EcrFinding | None:
    """Ask the AWS CLI about the plan's ECR repository; None when the AWS CLI is not installed."""
    aws = shutil.which("aws", path=(env or os.environ).get("PATH"))
    if aws is None:
        return None
    reg = plan.registry
    argv = [aws, "ecr", "describe-repositories", "--repository-names", reg.image, "--region", reg.region,
            "--registry-id", reg.account, "--output", "json"]
    try:
        done = subprocess.run(argv, env=dict(env or os.environ), capture_output=True, text=True, timeout=_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return EcrFinding(True, f"dockwright could not check the ECR repository {reg.image}: {exc}", checked=False)
    return read_describe_output(plan, done.returncode, done.stdout, done.stderr)
