"""The preview pane: one tab per generated file, rendered by the SAME functions that write the files.

It watches the App's Plan. A change schedules one re-render for the message loop's next turn (changes
posted in between coalesce into one), so a keystroke is handled before any rendering and the new text is
painted on the next refresh. Rendering the five previews takes about 2 ms (bench/startup.py).
Lines that changed in the last re-render are selected, so the part the current step changes stands out.
"""

from __future__ import annotations

import difflib
import functools
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Label, TabbedContent, TabPane, TextArea
from textual.widgets.text_area import Selection

from dockwright.screens.widgets.label_text import update_label
from dockwright.screens.widgets.preview_area import PreviewArea
from dockwright.wizard import dockerfile_syntax
from dockwright.wizard.plan import Plan

if TYPE_CHECKING:  # pragma: no cover
    from tree_sitter import Language


@dataclass(frozen=True)
class PreviewFile:
    id: str  # tab id
    title: str  # tab label, also the path on disk when it is a repository file
    language: str | None
    on_disk: str | None  # path relative to the repository, or None for text that is not a file there


PREVIEW_FILES: tuple[PreviewFile, ...] = (
    PreviewFile("dockerfile", "Dockerfile", "dockerfile", "Dockerfile"),
    PreviewFile("dockerignore", ".dockerignore", None, ".dockerignore"),
    PreviewFile("gitlab-ci", ".gitlab-ci.yml", "yaml", ".gitlab-ci.yml"),
    PreviewFile("config-toml", "config.toml", "toml", None),
)  # the register command is on the Runner step itself (with a copy button), not a fifth tab that did not fit

# Which tab each step changes: that tab comes forward when the step is shown.
STEP_FILE = {
    "project": "dockerfile",
    "executor": "gitlab-ci",
    "runner": "config-toml",
    "registry": "gitlab-ci",
    "dockerfile": "dockerfile",
    "pipeline": "gitlab-ci",
}

# The lines each step is about, found by their first words: selected when the step is shown.
STEP_LINES = {
    "executor": ("  services:", "    DOCKER_HOST:"),
    "runner": ("[[runners]]",),
    "registry": ("  before_script:",),
    "pipeline": ("stages:",),
}

# The URL and token shown in the runner entry (and the Runner step's register command): placeholders, never the
# real token.
TOKEN_PLACEHOLDER = "glrt-<runner authentication token, filled in at apply>"


def read_existing(workdir: Path, plan: Plan | None = None) -> dict[str, str | None]:
    """The repository files the preview is compared against (None when a file does not exist), read where the
    plan puts them (dockerfile.path, the .dockerignore in the build context)."""
    from dockwright.wizard.render import file_paths

    where = file_paths(plan or Plan())
    out: dict[str, str | None] = {}
    for f in PREVIEW_FILES:
        if f.on_disk:
            p = workdir / where.get(f.on_disk, f.on_disk)
            out[f.on_disk] = p.read_text(encoding="utf-8") if p.is_file() else None
    return out


def render_previews(plan: Plan, existing: dict[str, str | None], gitlab_url: str,
                    existing_config: str | None = None) -> dict[str, str]:
    """Text per tab id, from dockwright.wizard.render: exactly what apply writes (secrets as placeholders)."""
    from dockwright.wizard import render

    texts: dict[str, str] = {}
    rendered = render.render_files(plan, existing)
    for f in PREVIEW_FILES:
        if f.on_disk and f.on_disk in rendered:
            texts[f.id] = _text_of(rendered[f.on_disk])
    if plan.helm_runner:  # Helm installs it from its values (issue 14)
        from dockwright.wizard.render.kubernetes import render_helm_values

        texts["config-toml"] = render_helm_values(plan, url=gitlab_url)
    elif plan.uses_own_runner:
        texts["config-toml"] = render.render_runner_entry(
            plan, existing_config, url=gitlab_url, token=TOKEN_PLACEHOLDER, name=plan.runner.description)
    else:
        why = ("# Hosted runners: GitLab runs the jobs on its own machines,\n"
               "# so there is no runner of yours to configure or register.\n")
        texts["config-toml"] = why
    return texts


def runner_tab(plan: Plan) -> tuple[str, str]:
    """The runner tab's label and language: config.toml, or the Helm chart's values on Kubernetes (the tab says
    values.yaml, short enough for the tab bar; its first line names the file where it is written)."""
    if plan.helm_runner:
        return "values.yaml", "yaml"
    return "config.toml", "toml"


def _text_of(value: object) -> str:
    """render_files may give text or an object carrying it (``.text`` / ``.content``)."""
    if isinstance(value, str):
        return value
    for attr in ("text", "content", "new"):
        if isinstance(getattr(value, attr, None), str):
            return getattr(value, attr)
    return str(value)


@functools.cache
def _dockerfile_language() -> tuple[Language, str] | None:
    """tree-sitter-dockerfile's Language (the core's, which reads Dockerfiles with it) and highlight query."""
    try:
        language = dockerfile_syntax.language()
    except ImportError:  # pragma: no cover - a dependency of dockwright; plain text without it
        return None
    query = (files("tree_sitter_dockerfile") / "queries" / "highlights.scm").read_text(encoding="utf-8")
    return language, query


def _register_dockerfile(area: TextArea) -> None:
    loaded = _dockerfile_language()
    if loaded is not None:
        area.register_language("dockerfile", *loaded)


def changed_lines(old: str, new: str) -> tuple[int, int] | None:
    """The first block of lines that differs between ``old`` and ``new`` (start, end) in ``new``."""
    if old == new:
        return None
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            return j1, max(j1, j2 - 1)
    return None


def show_text(area: TextArea, new: str) -> None:
    """Make ``area`` show ``new`` by replacing only the lines between the first and the last that differ, in one
    edit: TextArea then re-parses its syntax tree incrementally and keeps its scroll position, where load_text
    would parse, wrap and highlight the whole document anew and jump to the top (keystroke -> preview repainted,
    bench/keystroke.py)."""
    old = area.text
    if old == new:
        return
    a, b = old.split("\n"), new.split("\n")
    if not old or not new:
        area.load_text(new)
        return
    common = min(len(a), len(b))
    first = next((i for i in range(common) if a[i] != b[i]), common)  # lines alike at the top
    tail = next((i for i in range(common - first) if a[-1 - i] != b[-1 - i]), common - first)  # and at the bottom
    old_end, new_end = len(a) - tail, len(b) - tail  # a[first:old_end] becomes b[first:new_end]
    if tail:  # a line kept below: replace whole lines up to its start
        start, end = (first, 0), (old_end, 0)
        insert = "".join(line + "\n" for line in b[first:new_end])
    elif first:  # the change runs to the end: from the end of the last line kept
        start, end = (first - 1, len(a[first - 1])), (len(a) - 1, len(a[-1]))
        insert = "".join("\n" + line for line in b[first:])
    else:
        area.load_text(new)
        return
    area.replace(insert, start, end, maintain_selection_offset=True)  # the cursor stays: no scroll to the edit
    area.history.clear()  # a read-only preview: no undo to keep


class PreviewPane(Vertical):
    """Tabs of generated files; :meth:`action_toggle_diff` (F3 on every step) shows the diff against disk."""

    show_diff: reactive[bool] = reactive(False)

    def __init__(self, workdir: Path, *, id: str | None = "preview") -> None:
        super().__init__(id=id)
        self.workdir = workdir
        self.existing = read_existing(workdir)
        self._paths = (Plan().dockerfile.path, Plan().dockerfile.context)
        self.texts: dict[str, str] = {}
        self._pending: Plan | None = None
        self._scheduled = False
        self.last_render_at = 0.0  # monotonic time of the last repaint request (bench/startup.py)
        self.renders = 0
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        with TabbedContent(id="preview-tabs"):
            for f in PREVIEW_FILES:
                with TabPane(f.title, id=f"tab-{f.id}"):
                    area = PreviewArea("", read_only=True, show_line_numbers=True, id=f"preview-{f.id}",
                                       soft_wrap=False)
                    if f.language == "dockerfile":
                        _register_dockerfile(area)
                    area.language = f.language if f.language in area.available_languages else None
                    yield area
        yield Label("", id="preview-status")

    def on_mount(self) -> None:
        self.watch(self.app, "plan", self.plan_changed, init=True)

    def plan_changed(self, plan: Plan) -> None:
        if not self.screen.is_current:
            return  # a step not on screen re-renders when it is shown again (StepScreen.on_screen_resume)
        self._pending = plan
        if not self._scheduled:
            self._scheduled = True
            self.call_later(self._render_pending)  # coalesces changes posted in the same turn

    def render_now(self, plan: Plan) -> None:
        """Render ``plan`` into the tabs at once, also while the step is hidden (a step built ahead)."""
        self._pending = plan
        self._render_pending()

    def focus_file(self, file_id: str | None, step_id: str = "") -> None:
        """Bring this step's file forward and select the lines the step is about."""
        if not file_id:
            return
        self.query_one(TabbedContent).active = f"tab-{file_id}"
        starts = STEP_LINES.get(step_id)
        if starts:
            self.call_after_refresh(self._select_block, file_id, starts)

    def _select_block(self, file_id: str, starts: tuple[str, ...]) -> None:
        area = self.query_one(f"#preview-{file_id}", TextArea)
        lines = area.text.splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith(starts)), None)
        if first is None:
            return
        indent = len(lines[first]) - len(lines[first].lstrip())
        last = first
        for i in range(first + 1, len(lines)):  # the block: until a line indented no deeper, or a blank
            text = lines[i]
            if not text.strip() or (len(text) - len(text.lstrip()) <= indent and not text.startswith(starts)):
                break
            last = i
        area.selection = Selection((last, len(lines[last])), (first, 0))  # the cursor at the start: no sideways scroll
        area.scroll_to(0, max(0, first - 3), animate=False, immediate=True)

    def _render_pending(self) -> None:
        self._scheduled = False
        plan, self._pending = self._pending, None
        if plan is None:
            return
        url = getattr(self.app, "gitlab_url", plan.gitlab.url)
        paths = (plan.dockerfile.path, plan.dockerfile.context)
        if paths != self._paths:  # the Dockerfile or the build context moved: compare with the files there
            self.existing, self._paths = read_existing(self.workdir, plan), paths
        try:
            texts = render_previews(plan, self.existing, url)
            self.error = None
        except Exception as exc:  # a plan the renderer refuses: say why, keep the last good text
            from dockwright.screens.errors import explain

            self.error = explain(exc)
            texts = self.texts
        old = self.texts
        self.texts = texts
        self._label_runner_tab(plan)
        self._paint(old)
        self.renders += 1
        self.last_render_at = time.monotonic()

    def _label_runner_tab(self, plan: Plan) -> None:
        title, language = runner_tab(plan)
        tab = self.query_one(TabbedContent).get_tab("tab-config-toml")
        if str(tab.label) != title:
            tab.label = title
            area = self.query_one("#preview-config-toml", TextArea)
            area.language = language if language in area.available_languages else None

    def _paint(self, old: dict[str, str]) -> None:
        status = self.query_one("#preview-status", Label)
        said = self.error or ("diff with the file on disk · F3: whole file" if self.show_diff
                              else "what will be written · F3: diff")
        update_label(status, said)
        status.set_class(bool(self.error), "-error")
        for f in PREVIEW_FILES:
            area = self.query_one(f"#preview-{f.id}", PreviewArea)
            new = self.texts.get(f.id, "")
            shown = self._diff_text(f, new) if self.show_diff else new
            if area.text == shown:
                continue
            with area.changing_lines():  # only the lines drawn differently are repainted
                show_text(area, shown)
                span = None if self.show_diff else changed_lines(old.get(f.id, ""), new)
                if span is not None and old:
                    start, end = span
                    end_line = area.document.get_line(end) if end < area.document.line_count else ""
                    area.selection = Selection((end, len(end_line)), (start, 0))  # cursor at column 0: no sideways scroll
                    top, height = area.scroll_offset.y, area.scrollable_content_region.height
                    if not (top <= start and end < top + height):  # bring the changed lines into view
                        area.scroll_to(0, max(0, start - 3), animate=False, immediate=True)

    def _diff_text(self, f: PreviewFile, new: str) -> str:
        on_disk = self.existing.get(f.on_disk) if f.on_disk else None
        title = str(self.query_one(TabbedContent).get_tab(f"tab-{f.id}").label)  # the runner tab's follows the plan
        if on_disk is None:
            return f"# {title} does not exist yet: all of it is new\n" + new
        diff = difflib.unified_diff(on_disk.splitlines(), new.splitlines(), f"{title} (on disk)",
                                    f"{title} (dockwright)", lineterm="")
        return "\n".join(diff) or f"# {title} on disk is already exactly this\n"

    def watch_show_diff(self) -> None:
        if self.is_mounted:
            self._paint({})

    def action_toggle_diff(self) -> None:
        self.show_diff = not self.show_diff

    def text_of(self, file_id: str) -> str:
        return self.texts.get(file_id, "")


