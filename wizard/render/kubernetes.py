"""The Kubernetes executor's side of the runner: ``[runners.kubernetes]``, the Helm chart's values, the commands.

Follows GitLab's pages:

- https://docs.gitlab.com/ci/docker/docker_in_docker/#use-with-kubernetes-executor: DinD with TLS on Kubernetes is
  ``privileged = true`` and an ``emptyDir`` at ``/certs/client`` (``medium = "Memory"``) shared by the job and the
  dind service; nothing else is privileged;
- https://docs.gitlab.com/ci/docker/using_buildkit/ (troubleshooting): rootless BuildKit on Kubernetes fails with
  ``[rootlesskit:child ] error: failed to share mount point: /: permission denied`` until the build container's
  AppArmor profile is ``unconfined`` (the pod annotation below); Buildah's chroot isolation makes the same calls;
- https://docs.gitlab.com/runner/install/kubernetes/: the GitLab Runner Helm chart (``gitlab/gitlab-runner``) takes
  ``gitlabUrl``, ``rbac.create``, ``runners.secret`` (a secret holding ``runner-token``) and ``runners.config``,
  the TOML appended to the runner's config.toml. The token goes into the secret from stdin, never into the
  values file (which is committed) nor into argv.

Keys are the ones gitlab-runner's ``common/config.go`` knows for ``KubernetesConfig``: ``namespace``, ``image``,
``privileged``, ``pod_annotations``, ``volumes.empty_dir`` (``name``, ``mount_path``, ``medium``).
"""

from __future__ import annotations

import shlex

import tomlkit
from tomlkit.items import Table

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import header_lines

HELM_REPO = "https://charts.gitlab.io"
HELM_CHART = "gitlab/gitlab-runner"
HELM_RELEASE = "gitlab-runner"
RUNNER_SECRET = "gitlab-runner-secret"
CERTS_EMPTY_DIR = {"name": "docker-certs", "mount_path": "/certs/client", "medium": "Memory"}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/build"


def kubernetes_entry(plan: Plan, entry: Table) -> None:
    """Set the ``[runners.kubernetes]`` table of ``entry`` for the plan (the user's other keys there are kept)."""
    table = entry.get("kubernetes")
    if table is None:
        table = tomlkit.table()
        entry["kubernetes"] = table
        table = entry["kubernetes"]
    table["namespace"] = plan.runner.kubernetes.namespace
    table["image"] = plan.runner.docker_image
    table["privileged"] = plan.build_method == "dind-tls"
    annotations = table.get("pod_annotations")
    if plan.daemonless:
        if annotations is None:
            table["pod_annotations"] = tomlkit.table()
            annotations = table["pod_annotations"]
        annotations[APPARMOR_ANNOTATION] = "unconfined"
    elif annotations is not None and APPARMOR_ANNOTATION in annotations:
        del annotations[APPARMOR_ANNOTATION]
    volumes = table.get("volumes")
    if plan.build_method == "dind-tls":
        if volumes is None:
            table["volumes"] = tomlkit.table()
            volumes = table["volumes"]
        dirs = volumes.get("empty_dir")
        if dirs is None:
            volumes["empty_dir"] = tomlkit.aot()
            dirs = volumes["empty_dir"]
        if not any(d.get("mount_path") == CERTS_EMPTY_DIR["mount_path"] for d in dirs):
            item = tomlkit.table()
            item.update(CERTS_EMPTY_DIR)
            dirs.append(item)
    elif volumes is not None and volumes.get("empty_dir") is not None:
        kept = [d for d in volumes["empty_dir"] if d.get("mount_path") != CERTS_EMPTY_DIR["mount_path"]]
        if kept:
            volumes["empty_dir"] = tomlkit.aot()
            for d in kept:
                volumes["empty_dir"].append(d)
        else:
            del volumes["empty_dir"]


def runners_config_toml(plan: Plan) -> str:
    """The TOML the chart's ``runners.config`` holds: one ``[[runners]]`` entry (the chart adds url and token)."""
    doc = tomlkit.document()
    runners = tomlkit.aot()
    entry = tomlkit.table()
    entry["executor"] = "kubernetes"
    runners.append(entry)
    doc.append("runners", runners)
    kubernetes_entry(plan, doc["runners"][0])
    return tomlkit.dumps(doc)


def render_helm_values(plan: Plan, *, url: str) -> str:
    """The ``values.yaml`` for the GitLab Runner Helm chart; no token in it (it lives in the secret)."""
    lines = header_lines(plan.runner.kubernetes.helm_values_path,
                         "Values for the GitLab Runner Helm chart; the runner's token is in the secret "
                         f"{RUNNER_SECRET}, never here.")
    lines += [
        f"gitlabUrl: {_yaml_text(url.rstrip('/') + '/')}",
        "rbac:",
        "  create: true",
        "runners:",
        f"  secret: {RUNNER_SECRET}",
        "  config: |",
    ]
    lines += [f"    {line}" if line else "" for line in runners_config_toml(plan).splitlines()]
    return "\n".join(lines) + "\n"


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_helm_commands(plan: Plan) -> str:
    """Install or upgrade the runner with Helm: the token read without echo and put into the secret from stdin."""
    ns = shlex.quote(plan.runner.kubernetes.namespace)
    values = shlex.quote(plan.runner.kubernetes.helm_values_path)
    lines = [
        f"helm repo add gitlab {HELM_REPO}",
        "helm repo update gitlab",
        f"kubectl create namespace {ns} --dry-run=client -o yaml | kubectl apply -f -",
        "# Paste the runner's glrt- token at the prompt (not echoed): it goes into a Kubernetes secret through stdin,",
        "# never into the values file or the command line.",
        "read -rs CI_SERVER_TOKEN && export CI_SERVER_TOKEN",
        f"printf '%s' \"$CI_SERVER_TOKEN\" | kubectl create secret generic {RUNNER_SECRET} --namespace {ns} \\",
        "  --from-file=runner-token=/dev/stdin --from-literal=runner-registration-token= \\",
        "  --dry-run=client -o yaml | kubectl apply -f -",
        "unset CI_SERVER_TOKEN",
        f"helm upgrade --install {HELM_RELEASE} {HELM_CHART} --namespace {ns} -f {values}",
    ]
    return "\n".join(lines) + "\n"
