"""`.gitlab-ci.yml` from the plan, merged into the user's file when there is one. Pure: no I/O.

What the generated jobs get right (each is a mistake of the tutorial dockwright was written from):

- build and push happen in ONE job (``dockwright-build``): every job has its own Docker daemon, so an
  image built in one job is gone in the next;
- the image is tagged ``$CI_COMMIT_SHA`` and ``$CI_COMMIT_REF_SLUG``; ``latest`` only on the default
  branch, in a later job (``dockwright-release``) that pulls, retags and pushes;
- the docker CLI and the dind service are pinned to the same ``pipeline.docker_version``;
- ``docker login --password-stdin``; GitLab's registry through the predefined ``CI_REGISTRY*`` variables;
- DinD with TLS talks to ``tcp://docker:2376`` with ``DOCKER_TLS_CERTDIR: "/certs"``; without TLS to
  ``tcp://docker:2375`` with ``""``; socket binding has no dind service; shell has no ``image:``;
- jobs carry the runner's tags when dockwright creates the runner (else they stay pending, "stuck").

Merging: dockwright's jobs (``dockwright-build``, ``dockwright-release``, no other) live between two
marker comments and are replaced on every run. The rest of the user's file is kept as text, byte for
byte (line breaks, a byte-order mark, comments, anchors, layout): a missing stage is inserted into the
``stages:`` list where it is written (block or flow style), the build stage before the first stage that
deploys or releases. Markers that do not pair up, a job of the user's between them, or a dockwright job
outside them are refused with the line, never guessed at.
"""

from __future__ import annotations

import posixpath
import re

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import UnmergeableFile, header_lines, is_generated, yaml_scalar
from dockwright.wizard.render.registry import image_name, login_commands
from dockwright.wizard.yaml_guard import Layout as _Layout
from dockwright.wizard.yaml_guard import Stages, YamlProblem, scan

BUILD_JOB = "dockwright-build"
RELEASE_JOB = "dockwright-release"
BLOCK_BEGIN = "# >>> dockwright jobs"
BLOCK_END = "# <<< dockwright jobs"
# GitLab's stages when a file declares none; a file without ``stages:`` relies on them.
DEFAULT_STAGES = ("build", "test", "deploy")
# Top-level keys that are not jobs (GitLab's global keywords).
GLOBAL_KEYWORDS = frozenset(
    {"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
     "before_script", "after_script", "spec"}
)

_FILE_HEADER = header_lines(
    ".gitlab-ci.yml", "Only the jobs between the dockwright markers are replaced; the rest is yours."
)


def _uses_dind(plan: Plan) -> bool:
    return plan.executor in ("hosted", "docker-dind-tls", "docker-dind")


def _docker_variables(plan: Plan) -> list[tuple[str, str]]:
    if plan.executor in ("hosted", "docker-dind-tls"):
        return [("DOCKER_HOST", "tcp://docker:2376"), ("DOCKER_TLS_CERTDIR", '"/certs"')]
    if plan.executor == "docker-dind":
        return [("DOCKER_HOST", "tcp://docker:2375"), ("DOCKER_TLS_CERTDIR", '""')]
    return []


def _job(plan: Plan, name: str, stage: str, comment: list[str], rules: list[str],
         script: list[str], needs: list[str]) -> list[str]:
    version = plan.pipeline.docker_version
    out = [f"# {line}" for line in comment]
    out += [f"{name}:", f"  stage: {yaml_scalar(stage)}"]
    if plan.executor != "shell":
        out.append(f"  image: docker:{version}-cli")
    if _uses_dind(plan):
        out += ["  services:", f"    - name: docker:{version}-dind", "      alias: docker"]
    variables = _docker_variables(plan) + [("IMAGE_NAME", yaml_scalar(image_name(plan)))]
    if plan.registry.kind == "ecr":
        variables.append(("AWS_DEFAULT_REGION", yaml_scalar(plan.registry.region)))
    out.append("  variables:")
    out += [f"    {k}: {v}" for k, v in variables]
    if plan.job_tags:
        out.append("  tags:")
        out += [f"    - {yaml_scalar(t)}" for t in plan.job_tags]
    if needs:
        out.append("  needs:")
        out += [f"    - {n}" for n in needs]
    out.append("  rules:")
    out += rules
    out.append("  before_script:")
    out += [f"    - {yaml_scalar(line)}" for line in login_commands(plan)]
    out.append("  script:")
    out += [f"    - {yaml_scalar(line)}" for line in script]
    return out


def _stages(plan: Plan) -> list[str]:
    build, release = plan.pipeline.stages
    return [build, release] if plan.pipeline.latest_on_default_branch else [build]


def _build_files(plan: Plan) -> tuple[str, str]:
    """``-f PATH `` when the Dockerfile is not where Docker looks by default (CONTEXT/Dockerfile), and the
    build context: the plan's ``dockerfile.path`` and ``dockerfile.context`` (check_plan keeps both to
    characters that need no shell quoting)."""
    d = plan.dockerfile
    default = posixpath.normpath(posixpath.join(d.context, "Dockerfile"))
    return ("" if posixpath.normpath(d.path) == default else f"-f {d.path} "), d.context


def render_jobs_block(plan: Plan) -> str:
    """dockwright's jobs, between the marker comments, as text."""
    build_stage, release_stage = plan.pipeline.stages
    dockerfile, context = _build_files(plan)
    exists = f"        - {yaml_scalar(plan.dockerfile.path)}"
    lines = [
        f"{BLOCK_BEGIN}: generated by dockwright, replaced on every `dockwright generate`.",
        "# Edit dockwright.yml and re-run rather than editing these jobs.",
        "",
    ]
    lines += _job(
        plan, BUILD_JOB, build_stage,
        ["Build and push in the same job: each job has its own Docker daemon, so an image built",
         "here would be gone in the next job. Tagged with the commit and the branch (slug)."],
        ["    - exists:", exists],
        [f'docker build --pull {dockerfile}-t "$IMAGE_NAME:$CI_COMMIT_SHA" -t "$IMAGE_NAME:$CI_COMMIT_REF_SLUG" {context}',
         'docker push "$IMAGE_NAME:$CI_COMMIT_SHA"',
         'docker push "$IMAGE_NAME:$CI_COMMIT_REF_SLUG"'],
        [],
    )
    if plan.pipeline.latest_on_default_branch:
        lines.append("")
        lines += _job(
            plan, RELEASE_JOB, release_stage,
            ["On the default branch only: pull the image this pipeline pushed and tag it latest."],
            ["    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "      exists:", exists],
            ['docker pull "$IMAGE_NAME:$CI_COMMIT_SHA"',
             'docker tag "$IMAGE_NAME:$CI_COMMIT_SHA" "$IMAGE_NAME:latest"',
             'docker push "$IMAGE_NAME:latest"'],
            [BUILD_JOB],
        )
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks YAML (and libyaml) count
_DEPLOYS = re.compile(r"deploy|release|publish|production|prod\b|staging|rollout", re.I)
_OWN_JOB_LINES = (f"{BUILD_JOB}:", f"{RELEASE_JOB}:")


def _split_lines(text: str) -> list[str]:
    """``text`` as lines with their line breaks, split exactly where a YAML parser counts a new line."""
    out, start = [], 0
    for m in _BREAK.finditer(text):
        out.append(text[start:m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


def _newline(text: str) -> str:
    """The file's own line break (that of its first line): CRLF files stay CRLF."""
    m = re.search(r"\r\n|\n|\r", text)
    return m.group(0) if m else "\n"


def _blank(line: str) -> bool:
    return not line.strip()


def _ends_line(line: str) -> bool:
    return bool(_BREAK.search(line[-2:])) if line else False


def _find_block(lines: list[str], first_line: int) -> tuple[int, int] | None:
    """Indexes of dockwright's begin and end markers; refuses markers that do not pair up, or a job of the
    user's between them (every run replaces the lines between the markers)."""
    begins = [i for i, line in enumerate(lines) if line.startswith(BLOCK_BEGIN)]
    ends = [i for i, line in enumerate(lines) if line.startswith(BLOCK_END)]
    if not begins and not ends:
        return None
    n = lambda i: i + first_line + 1  # noqa: E731 - the line number in the user's file
    if len(begins) > 1:
        raise UnmergeableFile(".gitlab-ci.yml", f"lines {n(begins[0])} and {n(begins[1])} both start dockwright's "
                              f"jobs (`{BLOCK_BEGIN}`); remove the one that has no `{BLOCK_END}` after it")
    if len(ends) > 1:
        raise UnmergeableFile(".gitlab-ci.yml", f"lines {n(ends[0])} and {n(ends[1])} both end dockwright's jobs "
                              f"(`{BLOCK_END}`); remove the stray one")
    if not ends or (begins and ends[0] < begins[0]):
        raise UnmergeableFile(".gitlab-ci.yml", f"line {n(begins[0])} starts dockwright's jobs (`{BLOCK_BEGIN}`) "
                              f"but no `{BLOCK_END}` follows it; remove that line or add the end marker")
    if not begins:
        raise UnmergeableFile(".gitlab-ci.yml", f"line {n(ends[0])} ends dockwright's jobs (`{BLOCK_END}`) but no "
                              f"`{BLOCK_BEGIN}` comes before it; remove that line")
    begin, end = begins[0], ends[0]
    for i in range(begin + 1, end):
        line = lines[i]
        if line[:1] not in (" ", "\t", "#", "-") and not _blank(line) and line.rstrip() not in _OWN_JOB_LINES:
            raise UnmergeableFile(".gitlab-ci.yml", f"line {n(i)} (`{line.strip()[:40]}`) is between dockwright's "
                                  "markers, whose lines every run replaces; move it below "
                                  f"`{BLOCK_END}` (line {n(end)})")
    return begin, end


def _layout(user_text: str) -> _Layout:
    try:
        layout = scan(user_text)
    except YamlProblem as exc:
        raise UnmergeableFile(".gitlab-ci.yml", exc.reason) from None
    if layout.kind == "other":
        raise UnmergeableFile(".gitlab-ci.yml", "its top level is not a mapping of jobs and keywords")
    if layout.flow:
        raise UnmergeableFile(".gitlab-ci.yml", "its top level is written as one {...} mapping; dockwright "
                              "adds its jobs as lines, so write it as `key:` lines")
    if not layout.stages_is_list or (layout.stages is not None and not layout.stages.plain):
        raise UnmergeableFile(".gitlab-ci.yml", "its `stages:` is not a list of names")
    return layout


def _placed(declared: list[str], wanted: list[str]) -> list[tuple[int, str]]:
    """Where each missing stage goes, as (index in ``declared`` to insert before, name): the build stage
    before the first stage that deploys or releases (an image must exist before anything ships it), the
    release stage last."""
    out = []
    for i, stage in enumerate(wanted):
        if stage in declared:
            continue
        at = len(declared)
        if i == 0:
            at = next((k for k, s in enumerate(declared) if _DEPLOYS.search(s)), len(declared))
        out.append((at, stage))
    return out


def _stage_edits(lines: list[str], stages: Stages, missing: list[tuple[int, str]], nl: str) -> list[tuple[int, int, str]]:
    """Text insertions (line, column, text) that add ``missing`` to the declared ``stages:`` in place."""
    items = stages.items
    edits: list[tuple[int, int, str]] = []
    if stages.flow:
        for at, name in missing:
            if at < len(items):
                edits.append((items[at].line, items[at].column, f"{yaml_scalar(name)}, "))
            elif items:
                edits.append((items[-1].end_line, items[-1].end_column, f", {yaml_scalar(name)}"))
            else:
                edits.append((stages.line, stages.column + 1, yaml_scalar(name)))
        return edits
    for at, name in missing:
        ref = items[min(at, len(items) - 1)]
        m = re.match(r"[ \t]*-[ \t]+", lines[ref.line])
        prefix = m.group(0) if m else "  - "
        if at < len(items):
            row = ref.line
            while row > 0 and lines[row - 1].lstrip().startswith("#") and (at == 0 or row - 1 > items[at - 1].end_line):
                row -= 1  # above the comment that belongs to that stage
        else:
            row = ref.end_line + 1
        edits.append((row, 0, f"{prefix}{yaml_scalar(name)}{nl}"))
    return edits


def render_pipeline(plan: Plan, existing: str | None = None) -> str:
    """The .gitlab-ci.yml text for ``plan``; merged into ``existing`` when it is given.

    The user's text is kept byte for byte (line breaks, byte-order mark, comments, layout): dockwright's
    header goes on top, its jobs between the markers, and a missing stage is added where its list is.
    Raises :class:`~wizard.render.common.UnmergeableFile` when ``existing`` cannot be merged that way.
    """
    block = render_jobs_block(plan)
    stages = _stages(plan)
    if existing is None or not existing.lstrip("\ufeff").strip():
        head = _FILE_HEADER + ["", "stages:"] + [f"  - {yaml_scalar(s)}" for s in stages]
        return "\n".join(head) + "\n\n" + block

    bom = "\ufeff" if existing.startswith("\ufeff") else ""
    text = existing[len(bom):]
    nl = _newline(text)
    lines = _split_lines(text)
    first = 0  # lines of dockwright's header, dropped here and written again below
    if lines and is_generated(lines[0]):
        first = 2 if len(lines) > 1 and lines[1].startswith("# Re-run `dockwright generate") else 1
        lines = lines[first:]
    found = _find_block(lines, first)
    if found is None:
        user, split = lines, len(lines)
    else:
        begin, end = found
        user, split = lines[:begin] + lines[end + 1:], begin
    layout = _layout("".join(user))

    def line_no(i: int) -> int:
        return i + first + 1 + (end - begin + 1 if found is not None and i >= split else 0)

    for key, line in layout.keys:
        if key in (BUILD_JOB, RELEASE_JOB):
            raise UnmergeableFile(".gitlab-ci.yml", f"line {line_no(line)} has the job {key} outside dockwright's "
                                  f"markers; remove it (dockwright writes its own between `{BLOCK_BEGIN}` and "
                                  f"`{BLOCK_END}`) or rename it")

    if user and not _ends_line(user[-1]):
        user[-1] += nl
    edits: list[tuple[int, int, str]] = []
    if layout.stages is not None:
        declared = [i.value for i in layout.stages.items]
        edits = _stage_edits(user, layout.stages, _placed(declared, stages), nl)
    elif layout.stages_line is None and any(s not in DEFAULT_STAGES for s in stages):
        declared = list(DEFAULT_STAGES)
        for at, name in reversed(_placed(declared, stages)):
            declared.insert(at, name)
        at = layout.keys[0][1] if layout.keys else len(user)
        while at > 0 and user[at - 1].lstrip().startswith("#"):
            at -= 1  # above the comment that belongs to the first key
        edits.append((at, 0, nl.join(["stages:"] + [f"  - {yaml_scalar(s)}" for s in declared]) + nl + nl))
    if any(row >= len(user) for row, _, _ in edits):
        user.append("")
    # from the end backwards, so positions stay right; at one position the later edit goes in first
    for _, (row, column, insert) in sorted(enumerate(edits), key=lambda e: (e[1][0], e[1][1], e[0]), reverse=True):
        user[row] = user[row][:column] + insert + user[row][column:]

    before, after = user[:split], user[split:]
    while before and _blank(before[0]):
        before.pop(0)
    while before and _blank(before[-1]):
        before.pop()
    while after and _blank(after[0]):
        after.pop(0)
    out = bom + nl.join(_FILE_HEADER) + nl + nl
    if before:
        out += "".join(before) + nl
    out += block.replace("\n", nl)
    if after:
        out += nl + "".join(after)
    return out
