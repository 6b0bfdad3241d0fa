""".gitlab-ci.yml as the sandbox's GitLab reads it: parse, validate with GitLab's own wording, apply rules.

The sandbox plays the subset of GitLab CI that dockwright teaches: ``stages``, ``default``, ``variables``,
``image``, ``services`` (string or ``{name, alias}``), ``tags``, ``rules`` (``if``, ``exists``, ``when``,
``allow_failure``), ``needs``, ``before_script``/``script``/``after_script``, ``allow_failure`` and
``when``, ``workflow:rules`` (``if``, ``when``), ``artifacts`` (``paths``, ``reports:junit``: sandbox/ci_artifacts.py). ``interruptible``, ``resource_group`` and a service's
``command`` are accepted and not played (the sandbox never auto-cancels, runs each job once, and its dind
starts at once). YAML anchors, ``<<:`` merges and hidden ``.jobs`` work.

A keyword GitLab knows (its CI schema's job keys) is never reported as unknown: one whose absence
changes nothing the sandbox shows (``cache``, ``environment``, ``retry``...) is accepted
and ignored, and the job's log says so (:attr:`CiJob.ignored`); one that would change which jobs run or
what they run (``extends``, ``only``, ``parallel``, ``rules:changes``...) fails the pipeline with
``<where>:<key> config is not supported in the sandbox`` and a :attr:`CiYamlError.note`. Only a key
GitLab does not know gets GitLab's ``config contains unknown keys:``.

``parse_ci`` is pure: the caller says which files exist at the commit (for ``rules:exists``).
``rules:if`` expressions are evaluated by sandbox/ci_rules.py; the predefined variables they see
come from sandbox/ci_variables.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dockwright.sandbox.ci_artifacts import CiArtifacts, parse_artifacts
from dockwright.sandbox.ci_id_tokens import parse_id_tokens
from dockwright.sandbox.ci_include import expand_includes
from dockwright.sandbox.ci_rules import evaluate_if, expand_name, workflow_allows
from dockwright.sandbox.ci_variables import pipeline_variables
from dockwright.sandbox.ci_yaml import (
    GITLAB_JOB_KEYWORDS,
    IGNORED_DEFAULT_KEYS,
    IGNORED_IMAGE_KEYS,
    IGNORED_JOB_KEYS,
    REFUSED_JOB_KEYS,
    CiYamlError,
    load_ci_yaml,
)

__all__ = ["IGNORED_JOB_KEYS", "NO_JOBS_MESSAGE", "REFUSED_JOB_KEYS", "CiJob", "CiPipeline", "CiYamlError",
           "load_ci_yaml", "parse_ci"]

DEFAULT_STAGES = ("build", "test", "deploy")
DEFAULT_JOB_STAGE = "test"
# What GitLab answers (POST /projects/:id/pipeline) when rules leave no job in the pipeline.
NO_JOBS_MESSAGE = (
    "Pipeline will not run for the selected trigger. "
    "The rules configuration prevented any jobs from being added to the pipeline."
)

# Top-level keywords the sandbox plays; every other top-level key that does not start with "." is a job.
_GLOBAL_KEYS = frozenset({"stages", "default", "variables", "image", "services", "before_script", "after_script",
                          "cache", "workflow"})  # a global cache: is accepted and not played (see _defaults)
# GitLab's own global keywords the sandbox does not play: a yaml error that names them.
_GLOBAL_UNSUPPORTED = frozenset({"spec", "pages"})  # include: is resolved first (sandbox/ci_include.py)
_JOB_KEYS = frozenset({
    "stage", "image", "services", "tags", "rules", "needs", "before_script", "script", "after_script",
    "allow_failure", "when", "variables", "interruptible", "resource_group", "artifacts", "id_tokens",
})
_DEFAULT_KEYS = frozenset({"image", "services", "before_script", "after_script", "tags", "artifacts"})
_RULE_KEYS = frozenset({"if", "exists", "when", "allow_failure"})
_SERVICE_KEYS = frozenset({"name", "alias", "command", "variables"})
_IMAGE_KEYS = frozenset({"name", "entrypoint"})
_NEED_KEYS = frozenset({"job", "optional"})
# A trigger (bridge) job has no script and runs on no runner: only these keys (GitLab's Bridge entry knows more).
_BRIDGE_KEYS = frozenset({"trigger", "stage", "when", "allow_failure", "needs", "rules", "variables"})
_TRIGGER_KEYS = frozenset({"include", "strategy"})
_WHEN_VALUES = ("on_success", "on_failure", "always", "manual", "delayed")
_WHEN_PLAYED = ("on_success", "manual", "always")


def _fail(message: str, note: str = "") -> CiYamlError:
    return CiYamlError(message, note=note)


@dataclass(frozen=True)
class CiJob:
    name: str
    stage: str
    when: str = "on_success"  # "on_success" | "manual" | "always"
    allow_failure: bool = False
    tags: tuple[str, ...] = ()
    needs: tuple[str, ...] | None = None  # None: wait for earlier stages; (): start at once
    image: str | None = None  # as written (may hold $VARIABLES); None: the runner's default image
    services: tuple[tuple[str, str], ...] = ()  # (name, alias); alias "" when none was given
    variables: dict[str, str] = field(default_factory=dict, hash=False)  # global variables, then the job's
    before_script: tuple[str, ...] = ()
    script: tuple[str, ...] = ()
    after_script: tuple[str, ...] = ()
    image_entrypoint: tuple[str, ...] | None = None  # `image: {entrypoint: [...]}`; None: the image's own
    trigger_include: str | None = None  # a bridge (trigger) job: the local file its child pipeline runs
    trigger_depend: bool = False  # `strategy: depend`: the bridge takes the child pipeline's status
    ignored: tuple[tuple[str, str], ...] = ()  # (keyword, why): GitLab keywords accepted and not played
    artifacts: CiArtifacts | None = None  # `artifacts:` (the job's, else default:'s)
    id_tokens: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (variable, audiences): sandbox/ci_id_tokens.py

    @property
    def bridge(self) -> bool:
        return self.trigger_include is not None


@dataclass(frozen=True)
class CiPipeline:
    stages: tuple[str, ...]  # the stages that hold at least one job, in order
    jobs: tuple[CiJob, ...]  # only jobs whose rules match, in stage order, then file order
    declared_stages: tuple[str, ...] = ()  # .pre, the file's stages (or build/test/deploy), .post
    variables: dict[str, str] = field(default_factory=dict, hash=False)  # the global `variables:`
    filtered_by_workflow: bool = False  # `workflow:rules` let no pipeline be created
    name: str | None = None  # `workflow:name`, its variables expanded


# --- small validators ---------------------------------------------------------------------------

def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _script(value: Any, where: str) -> tuple[str, ...]:
    """A string or a (nested, from anchors) array of strings, flattened."""
    if isinstance(value, str):
        return (value,)
    out: list[str] = []

    def walk(v: Any, depth: int) -> bool:
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            out.append(str(v))
            return True
        if isinstance(v, list) and depth < 10:
            return all(walk(x, depth + 1) for x in v)
        return False

    if not isinstance(value, list) or not walk(value, 0):
        raise _fail(f"{where} config should be a string or a nested array of strings up to 10 levels deep")
    return tuple(out)


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _variables(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    msg = f"{where} config should be a hash of key value pairs, value can be a hash"
    if not isinstance(value, dict):
        raise _fail(msg)
    out: dict[str, str] = {}
    for key, raw in value.items():
        if not isinstance(key, str):
            raise _fail(msg)
        if isinstance(raw, dict):
            unknown = sorted(set(raw) - {"value", "description", "expand", "options"})
            if unknown:
                raise _fail(f"{where}:{key} config contains unknown keys: {', '.join(unknown)}")
            raw = raw.get("value", "")
        text = "" if raw is None else _scalar_text(raw)
        if text is None:
            raise _fail(msg)
        out[key] = text
    return out


def _unknown(value: dict, allowed: frozenset[str], where: str, known_to_gitlab: frozenset[str] = frozenset(),
             hints: Mapping[str, str] | None = None) -> None:
    """GitLab's ``unknown keys`` error for keys GitLab does not know; for a key GitLab knows and the
    sandbox does not play, ``<where>:<key> config is not supported in the sandbox``."""
    outside = [str(k) for k in value if k not in allowed]
    unknown = [k for k in outside if k not in known_to_gitlab]
    if unknown:
        raise _fail(f"{where} config contains unknown keys: {', '.join(unknown)}")
    if outside:
        key = outside[0]
        hint = (hints or {}).get(key, "")
        raise _fail(f"{where}:{key} config is not supported in the sandbox",
                    f"GitLab knows `{key}:`; the sandbox does not play it. {hint}".strip())


def _image(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        _unknown(value, _IMAGE_KEYS | IGNORED_IMAGE_KEYS, f"{where}:image")
        name = value.get("name")
        if isinstance(name, str) and name:
            return name
        raise _fail(f"{where}:image config should be a hash or a string")
    raise _fail(f"{where}:image config should be a hash or a string")


def _entrypoint(value: Any, where: str) -> tuple[str, ...] | None:
    if not isinstance(value, dict) or "entrypoint" not in value:
        return None
    entry = value["entrypoint"]
    if isinstance(entry, str):
        return (entry,)
    if not _is_str_list(entry):
        raise _fail(f"{where}:image entrypoint config should be an array of strings")
    return tuple(entry)


def _services(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(f"{where}:services config should be a array")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append((item, ""))
        elif isinstance(item, dict):
            _unknown(item, _SERVICE_KEYS | IGNORED_IMAGE_KEYS, f"{where}:services:service", frozenset({"entrypoint"}))
            # a service's own variables (HEALTHCHECK_TCP_PORT for dind on Kubernetes) are the runner's business:
            # checked as GitLab checks them, then left to the simulated service, which needs none
            service_vars = item.get("variables", {})
            if not isinstance(service_vars, dict) or not all(
                    isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in service_vars.values()):
                raise _fail(f"{where}:services:service variables config should be a hash of key value pairs")
            if "command" in item and not _is_str_list(item["command"]):
                raise _fail(f"{where}:services:service command should be an array of strings")
            name, alias = item.get("name"), item.get("alias", "")
            if not isinstance(name, str) or not name or not isinstance(alias, str):
                raise _fail(f"{where}:services:service config should be a hash or a string")
            out.append((name, alias))
        else:
            raise _fail(f"{where}:services:service config should be a hash or a string")
    return tuple(out)


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not _is_str_list(value):
        raise _fail(f"{where}:tags config should be an array of strings")
    return tuple(value)


# --- jobs ----------------------------------------------------------------------------------------

@dataclass
class _Defaults:
    image: str | None = None
    image_entrypoint: tuple[str, ...] | None = None
    services: tuple[tuple[str, str], ...] = ()
    before_script: tuple[str, ...] = ()
    after_script: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()  # keys of default: (and a global cache:) accepted and not played
    artifacts: CiArtifacts | None = None


def _defaults(doc: dict) -> _Defaults:
    d = _Defaults(
        image=_image(doc.get("image"), "root"),
        image_entrypoint=_entrypoint(doc.get("image"), "root"),
        services=_services(doc.get("services"), "root"),
        before_script=_script(doc["before_script"], "before_script") if "before_script" in doc else (),
        after_script=_script(doc["after_script"], "after_script") if "after_script" in doc else (),
    )
    if "cache" in doc:  # a global cache: is GitLab's deprecated default:cache
        d.ignored = ("cache",)
    default = doc.get("default")
    if default is None:
        return d
    if not isinstance(default, dict):
        raise _fail("default config should be a hash")
    _unknown(default, _DEFAULT_KEYS | IGNORED_DEFAULT_KEYS, "default")
    d.ignored = tuple(dict.fromkeys((*d.ignored, *(str(k) for k in default if k in IGNORED_DEFAULT_KEYS))))
    if "image" in default:
        d.image = _image(default["image"], "default")
        d.image_entrypoint = _entrypoint(default["image"], "default")
    if "services" in default:
        d.services = _services(default["services"], "default")
    if "before_script" in default:
        d.before_script = _script(default["before_script"], "default:before_script")
    if "after_script" in default:
        d.after_script = _script(default["after_script"], "default:after_script")
    if "tags" in default:
        d.tags = _tags(default["tags"], "default")
    if "artifacts" in default:
        d.artifacts = parse_artifacts(default["artifacts"], "default")
    return d


def _when(value: Any, where: str, allowed: tuple[str, ...] = _WHEN_VALUES) -> str:
    if value not in allowed:
        raise _fail(f"{where} when should be one of: {', '.join(allowed)}")
    if value not in _WHEN_PLAYED:
        raise _fail(f"{where} when: {value} is not supported in the sandbox",
                    "The sandbox plays on_success, manual and always.")
    return value


def _allow_failure(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"{where}:allow_failure config should be a hash or a boolean value")
    return value


def _needs(value: Any, where: str) -> tuple[tuple[str, bool], ...]:
    if not isinstance(value, list):
        raise _fail(f"{where}:needs config can only be a hash or an array")
    out = []
    for item in value:
        if isinstance(item, str):
            out.append((item, False))
        elif isinstance(item, dict):
            # needs:artifacts changes nothing here: later jobs download no artifacts
            _unknown(item, _NEED_KEYS | {"artifacts"}, f"{where}:needs:need",
                     frozenset({"pipeline", "project", "ref", "parallel"}))
            name = item.get("job")
            if not isinstance(name, str):
                raise _fail(f"{where}:needs:need config must define a job")
            out.append((name, bool(item.get("optional", False))))
        else:
            raise _fail(f"{where}:needs config can only be a hash or an array")
    return tuple(out)


@dataclass
class _RawJob:
    name: str
    stage: str
    when: str
    allow_failure: bool
    tags: tuple[str, ...]
    needs: tuple[tuple[str, bool], ...] | None
    image: str | None
    image_entrypoint: tuple[str, ...] | None
    services: tuple[tuple[str, str], ...]
    variables: dict[str, str]
    before_script: tuple[str, ...]
    script: tuple[str, ...]
    after_script: tuple[str, ...]
    rules: list[dict] | None
    allow_failure_set: bool = False
    trigger_include: str | None = None
    trigger_depend: bool = False
    ignored: tuple[str, ...] = ()
    artifacts: CiArtifacts | None = None
    id_tokens: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _trigger(value: Any, where: str) -> tuple[str, bool]:
    """(the child pipeline's local file, strategy: depend) of ``trigger:``; only child pipelines from a
    file of the same commit are played (``trigger: include: child.yml``)."""
    if isinstance(value, str):
        raise _fail(f"{where}:trigger config is not supported in the sandbox",
                    "`trigger: <project>` starts a pipeline in another project; the sandbox has one project "
                    "and plays child pipelines only: `trigger: {include: child.yml}`.")
    if not isinstance(value, dict):
        raise _fail(f"{where}:trigger config should be a hash or a string")
    _unknown(value, _TRIGGER_KEYS, f"{where}:trigger", frozenset({"project", "branch", "forward"}))
    include = value.get("include")
    if isinstance(include, list) and len(include) == 1:
        include = include[0]
    if isinstance(include, dict):
        _unknown(include, frozenset({"local"}), f"{where}:trigger:include",
                 frozenset({"project", "file", "ref", "artifact", "job", "template", "remote", "inputs"}))
        include = include.get("local")
    if not isinstance(include, str) or not include.strip():
        raise _fail(f"{where}:trigger:include config should be a local file (a string or [{{local: file}}])",
                    "The sandbox plays one child pipeline file per trigger job.")
    strategy = value.get("strategy")
    if strategy not in (None, "depend"):
        raise _fail(f"{where}:trigger strategy should be depend")
    return include.strip().lstrip("/"), strategy == "depend"


def _job(name: str, value: Any, defaults: _Defaults, global_vars: dict[str, str]) -> _RawJob:
    where = f"jobs:{name}"
    if "trigger" in value:  # a bridge: no script, no runner; it starts a child pipeline
        _unknown(value, _BRIDGE_KEYS, where,
                 frozenset({"extends", "environment", "resource_group", "inherit", "only", "except", "inputs"}), REFUSED_JOB_KEYS)
        include, depend = _trigger(value["trigger"], where)
        job = _job(name, {k: v for k, v in value.items() if k != "trigger"} | {"script": ["true"]}, _Defaults(),
                   global_vars)
        job.script, job.trigger_include, job.trigger_depend = (), include, depend
        return job
    _unknown(value, _JOB_KEYS | frozenset(IGNORED_JOB_KEYS), where, GITLAB_JOB_KEYWORDS, REFUSED_JOB_KEYS)
    stage = value.get("stage", DEFAULT_JOB_STAGE)
    if not isinstance(stage, str):
        raise _fail(f"{where}:stage config should be a string")
    rules = value.get("rules")
    if rules is not None:
        if not isinstance(rules, list):
            raise _fail(f"{where}:rules config should be an array of hashes")
        for rule in rules:
            if not isinstance(rule, dict):
                raise _fail(f"{where}:rules:rule config should be a hash")
            _unknown(rule, _RULE_KEYS, f"{where}:rules:rule",
                     frozenset({"changes", "variables", "needs", "start_in", "interruptible"}))
            if "if" in rule and not isinstance(rule["if"], str):
                raise _fail(f"{where}:rules:rule if should be a string")
            if "exists" in rule and not (_is_str_list(rule["exists"]) or isinstance(rule["exists"], str)):
                raise _fail(f"{where}:rules:rule exists should be an array of strings")
            if "when" in rule and rule["when"] != "never":
                _when(rule["when"], f"{where}:rules:rule",
                      ("on_success", "on_failure", "always", "manual", "delayed", "never"))
            if "allow_failure" in rule:
                _allow_failure(rule["allow_failure"], f"{where}:rules:rule")
    variables = dict(global_vars)
    variables.update(_variables(value.get("variables"), f"{where}:variables"))
    when = _when(value.get("when", "on_success"), where)
    return _RawJob(
        name=name,
        stage=stage,
        when=when,
        # `when: manual` alone does not block the pipeline: GitLab defaults allow_failure to true there
        allow_failure=_allow_failure(value["allow_failure"], where) if "allow_failure" in value else when == "manual",
        allow_failure_set="allow_failure" in value,
        tags=_tags(value["tags"], where) if "tags" in value else defaults.tags,
        needs=_needs(value["needs"], where) if "needs" in value else None,
        image=_image(value["image"], where) if "image" in value else defaults.image,
        image_entrypoint=_entrypoint(value["image"], where) if "image" in value else defaults.image_entrypoint,
        services=_services(value["services"], where) if "services" in value else defaults.services,
        variables=variables,
        before_script=_script(value["before_script"], f"{where}:before_script") if "before_script" in value
        else defaults.before_script,
        script=_script(value["script"], f"{where}:script"),
        after_script=_script(value["after_script"], f"{where}:after_script") if "after_script" in value
        else defaults.after_script,
        rules=rules,
        ignored=tuple(dict.fromkeys((*defaults.ignored, *(str(k) for k in value if k in IGNORED_JOB_KEYS)))),
        artifacts=parse_artifacts(value["artifacts"], where) if "artifacts" in value else defaults.artifacts,
        id_tokens=parse_id_tokens(value["id_tokens"], where) if "id_tokens" in value else (),
    )


def _apply_rules(job: _RawJob, variables: Mapping[str, str], file_exists: Callable[[str], bool]) -> _RawJob | None:
    """The job as its first matching rule makes it, or None when no rule matches (or it says never)."""
    if job.rules is None:
        return job
    env = dict(variables)
    env.update(job.variables)
    for rule in job.rules:
        if "if" in rule:
            try:
                if not evaluate_if(rule["if"], env):
                    continue
            except ValueError:
                raise _fail(f"jobs:{job.name}:rules:rule if invalid expression syntax") from None
        if "exists" in rule:
            paths = [rule["exists"]] if isinstance(rule["exists"], str) else rule["exists"]
            if not any(file_exists(p) for p in paths):
                continue
        when = rule.get("when", job.when)
        if when == "never":
            return None
        if "allow_failure" in rule:
            allow_failure = rule["allow_failure"]
        elif job.allow_failure_set:
            allow_failure = job.allow_failure
        else:
            allow_failure = False  # a manual job from rules blocks the pipeline, unlike `when: manual` alone
        job.when = when
        job.allow_failure = allow_failure
        return job
    return None


def _check_circular_needs(jobs: list[_RawJob]) -> None:
    """GitLab refuses needs that go round in a circle (possible since a job may need one of its own stage)."""
    graph = {j.name: [n for n, _ in j.needs or () if n in {k.name for k in jobs}] for j in jobs}
    for name, needs in graph.items():
        if name in needs:
            raise _fail(f"The pipeline has circular dependencies: self-dependency: {name}")
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):]
                listed = ", ".join(f'"{c}"' for c in cycle)
                raise _fail(f"The pipeline has circular dependencies: topological sort failed: [{listed}]")
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name)


def parse_ci(
    text: str,
    *,
    ref: str,
    sha: str,
    default_branch: str,
    is_tag: bool = False,
    file_exists: Callable[[str], bool],
    variables: Mapping[str, str] | None = None,
) -> CiPipeline:
    """The pipeline GitLab would create from ``text`` for a push of ``sha`` to ``ref``.

    ``file_exists`` answers ``rules:exists`` (it receives each entry as written: a path or a glob).
    ``variables`` adds the project's variables (and any other predefined ones) that ``rules:if`` can see.
    Raises :class:`CiYamlError` with GitLab's message when the configuration is invalid. A valid file
    whose rules match no job gives a pipeline with no jobs (GitLab then creates none: ``NO_JOBS_MESSAGE``).
    """
    doc = load_ci_yaml(text)
    if doc is None or not isinstance(doc, dict):
        raise _fail("Invalid configuration format")
    doc = expand_includes(doc)
    for key in doc:
        if key in _GLOBAL_UNSUPPORTED:
            raise _fail(f"{key} config is not supported in the sandbox",
                        f"GitLab knows `{key}:`; the sandbox plays one self-contained .gitlab-ci.yml. "
                        "Put everything the pipeline needs in that file to practise here.")
    stages_raw = doc.get("stages")
    if stages_raw is None:
        declared = DEFAULT_STAGES
    elif _is_str_list(stages_raw):
        declared = tuple(s for s in stages_raw if s not in (".pre", ".post"))
    else:
        raise _fail("stages config should be an array of strings")
    all_stages = (".pre", *declared, ".post")
    global_vars = _variables(doc.get("variables"), "variables")
    defaults = _defaults(doc)

    # GitLab first sorts top-level keys into jobs: a key whose value is not a hash with script: (or run:,
    # trigger:) is no job at all, and that is the error it reports, before any other.
    candidates = [(str(k), v) for k, v in doc.items() if k not in _GLOBAL_KEYS and not str(k).startswith(".")]
    unmatched = [name for name, value in candidates
                 if not (isinstance(value, dict) and {"script", "run", "trigger"} & set(value))]
    if unmatched or not candidates:
        errors = [f"jobs {name} config should implement the script:, run:, or trigger: keyword" for name in unmatched]
        if len(unmatched) == len(candidates):
            errors.append("jobs config should contain at least one visible job")
        raise CiYamlError(errors[0], errors=tuple(errors))
    raw_jobs = [_job(name, value, defaults, global_vars) for name, value in candidates]
    for job in raw_jobs:
        if job.stage not in all_stages:
            raise _fail(f"{job.name} job: chosen stage {job.stage} does not exist; "
                        f"available stages are {', '.join(all_stages)}")
    defined = {j.name: j for j in raw_jobs}
    for job in raw_jobs:
        needed = [n for n, _ in job.needs or ()]
        duplicated = list(dict.fromkeys(n for n in needed if needed.count(n) > 1))
        if duplicated:
            raise _fail(f"{job.name} has the following needs duplicated: {', '.join(duplicated)}.")
        for need, _optional in job.needs or ():
            if need not in defined:
                if _optional:
                    continue
                raise _fail(f"{job.name} job: undefined need: {need}")
            if all_stages.index(defined[need].stage) > all_stages.index(job.stage):
                raise _fail(f"{job.name} job: need {need} is not defined in current or prior stages")

    _check_circular_needs(raw_jobs)

    env = pipeline_variables(ref=ref, sha=sha, default_branch=default_branch, is_tag=is_tag)
    env.update(variables or {})
    if env.get("CI_PIPELINE_SOURCE") == "merge_request_event":
        env.pop("CI_COMMIT_BRANCH", None)  # GitLab sets no CI_COMMIT_BRANCH in a merge request pipeline
    if "workflow" in doc:
        try:
            if not workflow_allows(doc["workflow"], {**global_vars, **env}):
                return CiPipeline(stages=(), jobs=(), declared_stages=all_stages, variables=global_vars,
                                  filtered_by_workflow=True)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    # A job with neither rules: nor only: gets GitLab's default `only: [branches, tags]`, which no merge
    # request pipeline matches; workflow:rules (or the job's own rules:) remove that default
    # (Entry::Processable#compose!).
    has_workflow_rules = isinstance(doc.get("workflow"), dict) and "rules" in doc["workflow"]
    if env.get("CI_PIPELINE_SOURCE") == "merge_request_event" and not has_workflow_rules:
        raw_jobs = [j for j in raw_jobs if j.rules is not None]
    selected = [j for j in (_apply_rules(j, env, file_exists) for j in raw_jobs) if j is not None]
    names = {j.name for j in selected}
    jobs: list[CiJob] = []
    for job in selected:
        needs = None
        if job.needs is not None:
            kept = []
            for need, optional in job.needs:
                if need in names:
                    kept.append(need)
                elif not optional:
                    raise _fail(
                        f"'{job.name}' job needs '{need}' job, but '{need}' does not exist in the pipeline. "
                        "This might be because of the only, except, or rules keywords. To need a job that "
                        "sometimes does not exist in the pipeline, use needs:optional."
                    )
            needs = tuple(kept)
        jobs.append(CiJob(
            name=job.name, stage=job.stage, when=job.when, allow_failure=job.allow_failure, tags=job.tags,
            needs=needs, image=job.image, services=job.services, variables=job.variables,
            before_script=job.before_script, script=job.script, after_script=job.after_script,
            image_entrypoint=job.image_entrypoint, trigger_include=job.trigger_include,
            trigger_depend=job.trigger_depend,
            ignored=tuple((key, IGNORED_JOB_KEYS[key]) for key in job.ignored), artifacts=job.artifacts,
            id_tokens=job.id_tokens,
        ))
    jobs.sort(key=lambda j: all_stages.index(j.stage))  # stable: file order within a stage
    used = tuple(s for s in all_stages if any(j.stage == s for j in jobs))
    raw_name = doc["workflow"].get("name") if isinstance(doc.get("workflow"), dict) else None
    name = expand_name(str(raw_name), {**global_vars, **env}) if raw_name is not None else None
    return CiPipeline(stages=used, jobs=tuple(jobs), declared_stages=all_stages, variables=global_vars, name=name)
