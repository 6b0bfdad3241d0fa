"""The questions of each onboarding step (``ask_<step id>``), in the order of :data:`dockwright.wizard.steps.STEPS`.

Each takes the Plan and returns it with that step's answers; what is not an answer (token, client,
typed values) goes into the :class:`dockwright.wizard.session.Session`. The GitLab client is made on the
connect step and checked on the project step.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from typing import Any

from dockwright.wizard.credentials import BadToken, Secret, redact_url
from dockwright.wizard.errors import BadInput, GitLabRefused, NetworkError
from dockwright.wizard.listen_port import follow_port
from dockwright.wizard.plain.answer_checks import (
    build_path_problem,
    command_problem,
    docker_version_problem,
    env_name_problem,
    env_problem,
    image_problem,
    parse_env,
    project_problem,
    registry_field_problem,
    token_problem,
    url_problem,
)
from dockwright.wizard.plain.field_why import field_why
from dockwright.wizard.plain.prompts import LinePrompts
from dockwright.wizard.plan import (
    LANGUAGES,
    REGISTRY_KINDS,
    RUNNER_WORKFLOWS,
    Plan,
    VariableSpec,
    replace_in,
)
from dockwright.wizard.session import Session
from dockwright.wizard.stacks import switched, teaching
from dockwright.wizard.steps import (
    METHOD_CHOICES,
    RECOMMENDED_EXECUTOR,
    REGISTRY_CHOICES,
    WHERE_CHOICES,
    WHERE_METHODS,
    Step,
    join_executor,
    split_executor,
)
from dockwright.wizard.variables import new_key_problem, new_variable


class AskAgain(Exception):
    """The step must be asked again (e.g. the token was refused)."""


class StepQuestions(LinePrompts):
    """The steps' questions; the state they read and set is made by :class:`dockwright.wizard.plain.onboarding.PlainWizard`."""

    session: Session
    env: Mapping[str, str]

    def ask_connect(self, s: Step, plan: Plan) -> Plan:
        session = self.session
        url = session.find_url(plan, self.env)
        self.say(f"  GitLab URL found in: {session.url_source}")
        url = self.text(s, "GitLab URL", redact_url(url), field_why(type(plan.gitlab), "url"), url_problem)
        url = url.rstrip("/")
        if session.token is None:
            try:
                found = session.find_token(url, self.env)
            except BadToken as exc:  # found, but not usable: say why it is asked for
                self.say(f"  ! {exc}")
                found = None
            if found is not None and self.confirm(f"Use the token from {found[1]}", True):
                session.token, session.token_source = found
        if session.token is None:
            self.say("  (a personal access token with the api scope, plus create_runner for a runner; "
                     "it is typed hidden and never saved)")
            session.token, session.token_source = (self.secret("Personal access token", token_problem),
                                                   "typed at the prompt")
        session.client = session.connect(url, warn=self.say)
        return replace_in(plan, "gitlab", url=url)

    def ask_project(self, s: Step, plan: Plan) -> Plan:
        session = self.session
        for note in session.detection.notes if session.detection is not None else ():
            self.say(f"  - {note}")
        d = plan.dockerfile
        self.say(f"  - Dockerfile plan: {d.language} on {d.base_image}, port "
                 f"{d.port if d.port is not None else 'none'}, command {' '.join(d.command)}.")
        project = self.text(s, "GitLab project path", plan.gitlab.project, "the project's path in GitLab, as in its "
                            "URL, e.g. group/sub/app", project_problem)
        plan = replace_in(plan, "gitlab", project=project.strip("/"))
        self.say("  Testing the connection...")
        try:
            assert session.client is not None
            report = session.client.check_access(plan.gitlab.project)
        except GitLabRefused as exc:
            self.say(f"  ! {exc}")
            if getattr(exc, "code", "") in ("token_invalid", "token_expired", "token_revoked", "scope_missing"):
                self.say("  The token was refused; type another one.")
                session.token = self.secret("Personal access token", token_problem)
                session.client = session.connect(plan.gitlab.url, warn=self.say)
            raise AskAgain from None
        except NetworkError as exc:
            self.say(f"  ! {exc}")
            raise AskAgain from None
        session.access = report
        scopes = ", ".join(report.scopes) if report.scopes else "not reported"
        self.say(f"  Connected to GitLab {report.version} at {report.url} as {report.username}; token scopes: "
                 f"{scopes}; your role in {report.project_path}: {report.access_level_name}.")
        for problem in report.problems:
            self.say(f"  ! {problem}")
        if report.problems and not self.confirm("Continue anyway (applying may fail where noted)", False):
            raise AskAgain
        if report.default_branch and not session.answers.is_file():
            plan = replace_in(plan, "git", branch=report.default_branch)
        return plan

    def ask_executor(self, s: Step, plan: Plan) -> Plan:
        # two questions, as on the screen (issue 14): where jobs run, then how the image is built
        rec_where, rec_method = split_executor(RECOMMENDED_EXECUTOR)
        where, method = split_executor(plan.executor)
        for key, (label, tradeoffs) in WHERE_CHOICES.items():
            self.say(f"  {label}{' (recommended)' if key == rec_where else ''}")
            for line in tradeoffs.splitlines():
                self.say(f"      {line}")
        choices = [(k, label + (" (recommended)" if k == rec_where else "")) for k, (label, _) in WHERE_CHOICES.items()]
        where = self.select(s, "Where should jobs run (executor)", choices, where, field_why(Plan, "executor"))
        methods = WHERE_METHODS[where]
        if methods:
            for key in methods:
                label, cost = METHOD_CHOICES[key]
                self.say(f"  {label}{' (recommended)' if key == rec_method else ''}: {cost}")
            choices = [(k, METHOD_CHOICES[k][0] + (" (recommended)" if k == rec_method else "")) for k in methods]
            method = self.select(s, "How should the image be built (build method)", choices,
                                 method if method in methods else methods[0])
        return dataclasses.replace(plan, executor=join_executor(where, method))

    def ask_runner(self, s: Step, plan: Plan) -> Plan:
        from dockwright.wizard.plan import KubernetesSpec, RunnerSpec

        r = plan.runner
        h = lambda name: field_why(RunnerSpec, name)  # noqa: E731
        workflow = self.select(s, "How to register the runner", [
            ("authentication-token", "Create it in GitLab, register with its glrt- token (current way)"),
            ("registration-token", "Legacy registration token (deprecated since 15.6, off by default since 17.0)"),
        ], r.workflow if r.workflow in RUNNER_WORKFLOWS else RUNNER_WORKFLOWS[0], h("workflow"))
        description = self.text(s, "Runner description", r.description, h("description"),
                                lambda v: None if v else "Give the runner a description, e.g. My Docker Runner.")
        tags = self.text(s, "Runner tags (comma separated)", ", ".join(r.tags), h("tags"))
        run_untagged = self.confirm("Also run jobs without tags", r.run_untagged, h("run_untagged"))
        protected = self.confirm("Only run jobs from protected branches and tags", r.protected, h("protected"))
        docker_image = r.docker_image
        executor = plan.executor
        if executor == "shell":
            executor = self.ask_shell_host_ready(s)
        services_only = r.privileged_services_only
        if executor in ("docker-dind-tls", "docker-dind"):  # restricted privilege is a dind setting only
            services_only = self.confirm("Only the dind service is privileged, not the job (restricted mode)",
                                         services_only, h("privileged_services_only"))
        if executor.startswith("docker"):
            docker_image = self.text(s, "Default image for jobs", r.docker_image, h("docker_image"),
                                     image_problem("Default image for jobs"))
        config_path, k8s = r.config_path, r.kubernetes
        if plan.runner_kind == "kubernetes":  # the Helm chart's values instead of a config.toml (issue 14)
            k = lambda name: field_why(KubernetesSpec, name)  # noqa: E731
            k8s = KubernetesSpec(
                namespace=self.text(s, "Kubernetes namespace", k8s.namespace, k("namespace")),
                helm_values_path=self.text(s, "Where to write the Helm values file", k8s.helm_values_path,
                                           k("helm_values_path")))
        else:
            config_path = self.text(s, "Path of the runner's config.toml", r.config_path, h("config_path"))
        plan = dataclasses.replace(plan, executor=executor)
        plan = replace_in(plan, "runner", workflow=workflow, description=description,
                          tags=tuple(t.strip() for t in tags.split(",") if t.strip()), run_untagged=run_untagged,
                          protected=protected, docker_image=docker_image, config_path=config_path,
                          privileged_services_only=services_only, kubernetes=k8s)
        if plan.runner_kind == "kubernetes":
            from dockwright.wizard.render import render_register_command

            if self.session.sandbox is not None:
                self.say("  Apply writes the values file and commits it. The sandbox has no cluster, so Apply plays "
                         "it: it creates the project runner and starts it from the values, as these commands do "
                         "on a cluster of yours:")
            else:
                self.say("  Apply writes the values file and commits it (no token in it). Then create a project "
                         "runner in GitLab (Settings > CI/CD > Runners) and install it with Helm:")
            for line in render_register_command(plan, url=plan.gitlab.url).splitlines():
                self.say(f"      {line}")
        return plan

    def ask_shell_host_ready(self, s: Step) -> str:
        """The shell executor builds with the host's own Docker: confirm that set-up, or switch executor.
        Returns the executor to use ("shell", or the recommended Docker one)."""
        from dockwright.wizard.steps import RECOMMENDED_EXECUTOR

        self.say("  Shell executor host set-up: install Docker Engine on the runner's host, then "
                 "`sudo usermod -aG docker gitlab-runner` and restart gitlab-runner. That makes every job "
                 "root-equivalent on that host: use it only on a machine dedicated to CI.")
        if self.confirm("Is that done on the runner's host", False,
                        "without it the build job fails with `docker: command not found` or a permission error"):
            self.session.host_has_docker = True
            return "shell"
        self.say("  ! Then the build job would fail at its first docker command. Do the set-up first, or let "
                 "each job bring its own Docker daemon instead.")
        choice = self.select(s, "What now", [
            ("done", "I have done the set-up now: keep the shell executor"),
            (RECOMMENDED_EXECUTOR, "Use the Docker executor + Docker-in-Docker with TLS instead (recommended)"),
        ], RECOMMENDED_EXECUTOR)
        if choice == "done":
            self.session.host_has_docker = True
            return "shell"
        return choice

    def ask_registry(self, s: Step, plan: Plan) -> Plan:
        from dockwright.wizard.plan import RegistrySpec
        from dockwright.wizard.render.registry import registry_variables, switch_ecr_auth, switch_registry

        reg = plan.registry
        h = lambda name: field_why(RegistrySpec, name)  # noqa: E731
        kind = self.select(s, "Where should the image be pushed", [(k, REGISTRY_CHOICES[k]) for k in REGISTRY_KINDS],
                           reg.kind, h("kind"))
        changes: dict[str, Any] = {}

        def ask_field(name: str, label: str, default: str) -> None:
            check = registry_field_problem(plan, kind, name, label, dict(changes))
            changes[name] = self.text(s, label, default, h(name), check)

        if kind == "ecr":
            ask_field("account", "AWS account id (12 digits)", reg.account)
            ask_field("region", "AWS region", reg.region or "eu-west-1")
        if kind == "other":
            ask_field("host", "Registry host", reg.host)
        if kind != "gitlab":
            ask_field("image", "Image name (without tag)", reg.image)
        # switch_registry / switch_ecr_auth drop the variables only the previous login needed (the wizard's
        # registry step does the same): AWS keys left from an answers file are not created for an OIDC login
        plan = switch_registry(plan, kind)
        if kind == "ecr":
            changes["ecr"] = self.ask_ecr_auth(s, reg)
            plan = switch_ecr_auth(plan, changes["ecr"].auth)
        plan = replace_in(plan, "registry", **changes)
        if kind == "gitlab":
            self.say("  Nothing to set: GitLab predefines CI_REGISTRY, CI_REGISTRY_IMAGE, CI_REGISTRY_USER and "
                     "CI_REGISTRY_PASSWORD in every job. Creating them yourself would shadow the real ones.")
        # The registry's variables first (their flags may be changed), then any others of the plan.
        needed = registry_variables(plan)
        keys = {v.key for v in needed}
        specs = list(needed) + [v for v in plan.variables if v.key not in keys]
        chosen: list[VariableSpec] = []
        for spec in specs:
            chosen.append(self.ask_variable(s, plan, spec))
        while self.confirm("Add another CI/CD variable", False, "values are typed hidden or read from an "
                           "environment variable, and never written to disk"):
            key = self.text(s, "Variable name", "", field_why(VariableSpec, "key"),
                            lambda v: new_key_problem(v, plan, [c.key for c in chosen]))
            chosen.append(self.ask_variable(s, plan, new_variable(key)))
        return dataclasses.replace(plan, variables=tuple(chosen))

    def ask_ecr_auth(self, s: Step, reg: Any) -> Any:
        """ECR's login: OIDC (recommended, the default when ECR is newly chosen) and its role, or access keys."""
        from dockwright.wizard.plan import ROLE_ARN_RE, EcrSpec

        auth = self.select(s, "How the jobs log in to AWS", [
            ("oidc", "OIDC: the job's ID token for a role's short-lived credentials, no stored keys (recommended)"),
            ("keys", "Access keys of an IAM user, stored as protected CI/CD variables")],
            reg.ecr.auth if reg.kind == "ecr" else "oidc", field_why(EcrSpec, "auth"))
        role = reg.ecr.role_arn
        if auth == "oidc":
            role = self.text(s, "IAM role ARN the jobs assume", role, field_why(EcrSpec, "role_arn"),
                             lambda v: None if ROLE_ARN_RE.fullmatch(v) else
                             "Use the role's ARN, such as arn:aws:iam::123456789012:role/gitlab-ecr-push.")
        return EcrSpec(auth=auth, role_arn=role)

    def ask_variable(self, s: Step, plan: Plan, spec: VariableSpec) -> VariableSpec:
        from dockwright.wizard.render.registry import AWS_ROLE_ARN_VAR, ecr_oidc
        from dockwright.wizard.variables import DOCKER_AUTH_CONFIG, check_variable

        self.say(f"  CI/CD variable {spec.key}" + (f": {spec.description}" if spec.description else ""))
        if spec.key == AWS_ROLE_ARN_VAR and ecr_oidc(plan) and not spec.from_env:
            self.say("    its value is the role ARN above (protected, not masked); nothing to type.")
            return spec
        if spec.key == DOCKER_AUTH_CONFIG and not spec.from_env:
            self.say("    built by dockwright from the registry's other variables; nothing to type.")
            return spec
        masked = self.confirm(f"Mask {spec.key} in job logs", spec.masked, field_why(VariableSpec, "masked"))
        hidden = masked and self.confirm(f"Also hide {spec.key} in GitLab's settings", spec.hidden,
                                         field_why(VariableSpec, "hidden"))
        protected = self.confirm(f"Only give {spec.key} to protected branches and tags", spec.protected,
                                 field_why(VariableSpec, "protected"))
        spec = dataclasses.replace(spec, masked=masked, hidden=hidden, protected=protected)

        def problem(v: str) -> str | None:
            if not v:
                return f"Nothing was typed: {spec.key} needs a value, or the pipeline's login fails. Paste it (it stays hidden)."
            try:
                check_variable(spec, Secret(v), plan)
            except BadInput as exc:
                return str(exc)
            return None

        while True:
            source = self.select(s, f"Where does the value of {spec.key} come from", [
                ("type", "Type it now (hidden; kept in memory only, never saved)"),
                ("env", "An environment variable" + (f" ({spec.from_env})" if spec.from_env else "")),
            ], "env" if spec.from_env else "type")
            if source == "type":
                self.session.secrets[spec.key] = self.secret(f"Value of {spec.key} (hidden)", problem)
                return dataclasses.replace(spec, from_env=None)
            name = self.text(s, "Environment variable name", spec.from_env or spec.key,
                             field_why(VariableSpec, "from_env"), env_name_problem)
            spec = dataclasses.replace(spec, from_env=name)
            value = self.env.get(name)
            if not value:
                self.say(f"  ! {name} is not set in this shell. Export it before running dockwright "
                         f"(export {name}=...), or type the value instead.")
                continue
            found = problem(value)
            if found:
                self.say(f"  ! The value in {name}: {found}")
                continue
            self.session.secrets.pop(spec.key, None)
            return spec

    def ask_dockerfile(self, s: Step, plan: Plan) -> Plan:
        from dockwright.wizard.plan import DockerfileSpec

        d = plan.dockerfile
        h = lambda name: field_why(DockerfileSpec, name)  # noqa: E731
        language = self.select(s, "Language", [(x, x) for x in LANGUAGES], d.language, h("language"))
        d = dataclasses.replace(d, **switched(d, language))  # another stack: its defaults are the answers offered
        if teaching(language):
            self.say(f"  {teaching(language)}")
        path = self.text(s, "Dockerfile (path in the repository)", d.path, h("path"),
                         build_path_problem("path", "Dockerfile", d.context))
        context = self.text(s, "Build context (folder)", d.context, h("context"),
                            build_path_problem("context", "Build context", path))
        base_image = self.text(s, "Base image", d.base_image, h("base_image"),
                               lambda v: image_problem("Base image")(v) or (
                                   None if v and ":" in v else "Pin a tag, e.g. python:3.13-slim."))
        workdir = self.text(s, "Working directory", d.workdir, h("workdir"))
        extra = self.ask_stack_fields(s, d, h)
        port = self.text(s, "Port (empty: none)", "" if d.port is None else str(d.port), h("port"),
                         lambda v: None if not v or (v.isdigit() and 1 <= int(v) <= 65535)
                         else "A port from 1 to 65535, or empty for none.")
        following = follow_port(d.command, int(port) if port else None)  # gunicorn's --bind follows
        command = self.text(s, "Command", shlex.join(following), h("command"), command_problem)
        env = self.text(s, "ENV (NAME=value, space separated)", " ".join(f"{k}={shlex.quote(v)}" for k, v in d.env),
                        h("env"), env_problem)
        non_root = self.confirm("Run as an unprivileged user", d.non_root, h("non_root"))
        return replace_in(plan, "dockerfile", language=language, path=path, context=context,
                          base_image=base_image, workdir=workdir, **extra, port=int(port) if port else None,
                          command=tuple(shlex.split(command)), env=parse_env(env), non_root=non_root)

    def ask_stack_fields(self, s: Step, d: Any, h: Any) -> dict[str, Any]:
        """The fields only the chosen stack uses (requirements file, build tool, build target, runtime image)."""
        from dockwright.wizard.plan import STACK_TOOLS
        from dockwright.wizard.stacks import TARGET_LABELS, fields

        wanted = fields(d.language)
        out: dict[str, Any] = {"requirements": d.requirements if "requirements" in wanted else None}
        if "requirements" in wanted:
            out["requirements"] = self.text(s, "Requirements file (empty: none)", d.requirements or "",
                                            h("requirements")) or None
        if "tool" in wanted:
            tools = STACK_TOOLS.get(d.language, ())
            out["tool"] = self.text(s, f"Build tool ({' | '.join(tools)}; empty: none)", d.tool or "", h("tool"),
                                    lambda v: None if not v or v in tools else f"One of {', '.join(tools)}, or empty."
                                    ) or None
        if "target" in wanted:
            out["target"] = self.text(s, TARGET_LABELS.get(d.language, "Build target"), d.target or "",
                                      h("target")) or None
        if "runtime_image" in wanted:
            out["runtime_image"] = self.text(s, "Runtime image (final stage; empty: the stack's default)",
                                             d.runtime_image or "", h("runtime_image"),
                                             lambda v: image_problem("Runtime image")(v) if v else None) or None
        return out

    def ask_pipeline(self, s: Step, plan: Plan) -> Plan:
        from dockwright.wizard.plan import PipelineSpec

        p = plan.pipeline
        h = lambda name: field_why(PipelineSpec, name)  # noqa: E731
        version = p.docker_version  # asked only where the jobs run docker:<version> images
        if plan.uses_docker_images:
            version = self.text(s, "Docker version (CLI and dind)", p.docker_version, h("docker_version"),
                                docker_version_problem)
            from dockwright.wizard.docker_versions import end_of_life_note

            old = end_of_life_note(version)
            if old:  # allowed, but said where it is chosen (the answers file's note)
                self.say(f"  ! {old}")
        build = self.text(s, "Build stage", p.stages[0] if p.stages else "build")
        release = self.text(s, "Release stage", p.stages[1] if len(p.stages) > 1 else "release")
        latest = self.confirm("Tag :latest on the default branch", p.latest_on_default_branch,
                              h("latest_on_default_branch"))
        proxy = p.dependency_proxy
        access = self.session.access
        if access is None or access.namespace_kind != "user":  # the Dependency Proxy belongs to a group
            proxy = self.confirm("Pull docker: images through the group's Dependency Proxy", proxy,
                                 h("dependency_proxy"))
        elif proxy:
            self.say(f"  ! {access.project_path} is in a user's namespace, which has no Dependency Proxy: "
                     "pipeline.dependency_proxy is turned off.")
            proxy = False
        scan = p.container_scanning
        if plan.registry.kind == "gitlab" and plan.executor != "shell":  # where the template's job can run
            scan = self.confirm("Scan the pushed image with GitLab's Container Scanning", scan,
                                h("container_scanning"))
        cache = self.confirm("Keep the build cache in the registry (docker buildx, tag :buildcache)", p.build_cache,
                             h("build_cache"))
        return replace_in(plan, "pipeline", docker_version=version, stages=(build, release),
                          latest_on_default_branch=latest, dependency_proxy=proxy, container_scanning=scan,
                          build_cache=cache)
