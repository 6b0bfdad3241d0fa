"""One line of "why" for each question of ``dockwright --plain``."""

from __future__ import annotations

import dataclasses

# One line of "why" per question (the answers file's comments say *what* a field is; these say why it matters).
WHY: dict[str, str] = {
    "GitLabSpec.url": "every API call and the push go to this GitLab; self-managed instances have their own address",
    "Plan.executor": "it decides where the job's Docker daemon comes from, and what a job may do on the host",
    "RunnerSpec.workflow": "GitLab 17.0+ refuses registration tokens by default; the glrt- token is the current way",
    "RunnerSpec.description": "it names the runner in GitLab's list, so you can tell it from others later",
    "RunnerSpec.tags": "GitLab gives a job only to runners carrying all its tags; dockwright tags its jobs the same",
    "RunnerSpec.run_untagged": "off keeps other projects' untagged jobs away from a privileged runner",
    "RunnerSpec.protected": "on means pipelines of unprotected branches never reach this runner",
    "RunnerSpec.privileged_services_only": "the job's own container then cannot reach the host as root; only "
                                           "docker:dind, which needs it, runs privileged",
    "RunnerSpec.docker_image": "jobs without an image: run in it; the docker CLI image fits a build runner",
    "RunnerSpec.config_path": "gitlab-runner reads its runners from this file; it holds the runner's token (mode 0600)",
    "RegistrySpec.kind": "the pipeline logs in and pushes there; GitLab's own registry needs no secret at all",
    "RegistrySpec.image": "the repository the image is pushed to; the pipeline adds the tags",
    "RegistrySpec.host": "docker login and the image name both need the registry's host",
    "RegistrySpec.region": "an ECR registry's address contains its AWS region",
    "RegistrySpec.account": "an ECR registry's address starts with the 12-digit AWS account id",
    "VariableSpec.key": "jobs read it as an environment variable of this name",
    "VariableSpec.masked": "masked values show as [MASKED] in job logs (GitLab needs 8+ characters, no spaces)",
    "VariableSpec.hidden": "hidden values can never be read back in GitLab's settings, only replaced",
    "VariableSpec.protected": "only protected branches and tags get it (others build but do not push), so a branch "
                              "anyone can push cannot print it",
    "VariableSpec.from_env": "the value is read from your shell each time and never written anywhere",
    "DockerfileSpec.language": "each stack gets a working Dockerfile (multi-stage where it builds); generic gets a "
                               "marked starting point you edit",
    "DockerfileSpec.tool": "the lock file's tool installs exactly the locked versions",
    "DockerfileSpec.target": "what the build stage builds (Go main package, build script, output folder...)",
    "DockerfileSpec.runtime_image": "the final stage runs the app from a small image without the build's compilers",
    "DockerfileSpec.base_image": "a pinned, supported base image builds the same way next month and gets fixes",
    "DockerfileSpec.workdir": "the app's files live there inside the image",
    "DockerfileSpec.requirements": "dependencies are installed before the code is copied, so that layer stays cached",
    "DockerfileSpec.port": "EXPOSE documents where the app listens; it must be the port the app really uses",
    "DockerfileSpec.command": "what the container runs when it starts (exec form, so the app gets SIGTERM)",
    "DockerfileSpec.env": "settings baked into the image; never secrets, they stay readable in it",
    "DockerfileSpec.non_root": "a bug in the app then does not run as root in the container",
    "DockerfileSpec.path": "the pipeline builds this file (docker build -f); an existing one is never replaced silently",
    "DockerfileSpec.context": "docker build sends this folder to Docker: COPY can only reach files in it",
    "PipelineSpec.docker_version": "the docker CLI and the dind service must match; pinned, they do not drift",
    "PipelineSpec.latest_on_default_branch": "latest then only ever names an image built from the default branch",
    "PipelineSpec.dependency_proxy": "the runner pulls docker: images through your group's cache, not Docker Hub's "
                                     "per-address pull limit; projects in a group only",
    "PipelineSpec.container_scanning": "known vulnerabilities in the base image and packages are listed after "
                                       "each branch build (GitLab's template, one more job)",
    "PipelineSpec.build_cache": "each job's Docker daemon starts empty; with the cache in the registry unchanged "
                                "layers are not rebuilt (one more image stored, so off by default)",
    "EcrSpec.auth": "with OIDC no AWS key is stored in GitLab: each job trades its ID token for credentials that "
                    "expire within the hour, and the role's trust policy decides which project and branches may push",
    "EcrSpec.role_arn": "the role's trust policy names GitLab as identity provider (audience: this GitLab's "
                        "address) and its permission policy allows pushing to the repository",
    "GitSpec.branch": "the pipeline runs for the branch the commit is pushed to",
    "GitSpec.commit_message": "the commit that adds the files, and starts the first pipeline",
}


def field_why(cls: type, name: str) -> str:
    """The question's one-line why (falling back to the Plan field's own help)."""
    return WHY.get(f"{cls.__name__}.{name}") or next(
        f.metadata.get("help", "") for f in dataclasses.fields(cls) if f.name == name)
