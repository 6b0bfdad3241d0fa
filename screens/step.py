"""What every wizard step shares: title and why, the step list, the form, Back/Next, the preview pane.

A step screen subclasses :class:`StepScreen`, sets ``STEP_ID``, yields its fields from
``compose_form`` and posts :class:`PlanChanged` when a field changes. The App owns the Plan.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Header, Input, Label
from textual.worker import Worker

from dockwright.screens.errors import handle_worker_state
from dockwright.screens.messages import GoToStep
from dockwright.screens.widgets.label_text import update_label
from dockwright.screens.widgets.steady_footer import SteadyFooter
from dockwright.screens.widgets.steplist import StepList
from dockwright.wizard.plan import Plan
from dockwright.wizard.steps import STEPS
from dockwright.wizard.steps import step as step_by_id


def in_text_field(widget: object) -> bool:
    """Focus is where printable keys are typed: ``?`` is a character there, not the help key."""
    if isinstance(widget, Input):
        return True
    # TextArea (and tree-sitter, ~20 ms) is imported with the first preview, not for Connect's first frame;
    # until then no widget can be one
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)


def shown(widget: Widget) -> bool:
    """Not hidden by ``display: none`` on itself or on any container around it."""
    return all(node.display for node in widget.ancestors_with_self)


class StepScreen(Screen):
    STEP_ID = ""
    SHOW_PREVIEW = True
    NEXT_LABEL = "Next"
    LOAD_AHEAD = True  # a step built ahead gets the plan into its fields then too (fill_hidden)
    AUTO_FOCUS = "#form Select, #form Input, #form RadioSet, #form Button, #next"  # the form, not the step list

    BINDINGS: ClassVar[list[BindingType]] = [
        # ? types a question mark in a text field (the field takes the key first), so there only F1 opens
        # help; the footer shows "f1 ?" elsewhere and "f1" in a field (DockwrightApp.get_key_display).
        Binding("f1", "help", "Help", id="step.help",
                tooltip="Open this step's teaching page (? too, when the cursor is not in a text field)"),
        Binding("question_mark", "help", "Help", show=False, id="step.help_key",
                tooltip="Open this step's teaching page (not in a text field: there it types a ?)"),
        Binding("ctrl+b", "back", "Back", id="step.back", tooltip="Go to the previous step; answers are kept"),
        Binding("ctrl+n", "next", "Next", id="step.next", tooltip="Go to the next step"),
        Binding("f2", "toggle_preview", "Preview", id="step.preview",
                tooltip="Show or hide the preview of the generated files"),
        Binding("f3,ctrl+d", "toggle_diff", "Diff", id="step.diff",  # F3 also works while typing in a field
                tooltip="Preview as a diff against the files on disk, or as the whole files"),
    ]

    def __init__(self) -> None:
        super().__init__(name=self.STEP_ID, id=f"step-{self.STEP_ID}")
        self.step = step_by_id(self.STEP_ID)
        self._look: tuple | None = None  # the theme and size the styles were last computed for
        self._resuming = False
        self._laid_out = False  # built ahead: laid out once out of sight (lay_out_hidden)
        self._shown = False  # shown at least once (on_screen_resume)
        self._set_breakpoint_classes()

    def _set_breakpoint_classes(self) -> None:
        """The size classes (-narrow … -wide) for the terminal as it is, before the widgets are styled: else the
        step's first Resize set them after, and every widget was styled a second time for its first frame."""
        breakpoints = self.app.HORIZONTAL_BREAKPOINTS or []
        wanted = self._get_breakpoint_classes(self.app.size.width, breakpoints)
        self.update_classes({name: name in wanted for _, name in breakpoints}, update=False)

    @property
    def plan(self) -> Plan:
        return self.app.plan  # type: ignore[attr-defined]

    @property
    def services(self):
        return self.app.services  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        if self.app.practising:  # type: ignore[attr-defined]  # known before the sandbox is up
            yield Label("SANDBOX: practice GitLab on this machine; nothing reaches a real GitLab.",
                        id="sandbox-banner")
        with Horizontal(id="body"):
            yield StepList(self.STEP_ID)
            with Vertical(id="main"):
                yield Label(self.step.title, id="step-title", classes="title")
                yield Label(self.step.why, id="step-why", classes="why")
                with VerticalScroll(id="form"):
                    yield from self.compose_form()
                with Horizontal(id="nav"):
                    yield Button("Back", id="back", disabled=self.STEP_ID == "connect")
                    yield Button(self.NEXT_LABEL, id="next", variant="primary")
            if self.SHOW_PREVIEW:
                from dockwright.screens.widgets.preview import PreviewPane  # tree-sitter: not for Connect's first frame

                yield PreviewPane(self.services.workdir)
        yield SteadyFooter()

    def compose_form(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        """Mounting styled every widget (App._register) for the theme and size as they are: showing the step
        for the first time need not do it again (update_node_styles)."""
        self._look = (self.app.theme, self.app.size)

    def update_node_styles(self, animate: bool = True) -> None:
        """Textual restyles every widget of a screen each time it is shown (about 120 ms a step here, and a
        quarter of the first frame's work). That is only needed when something the styles depend on changed
        since the widgets were styled (mounted, or shown last): the theme or the terminal size (a widget whose
        classes change is restyled when they change, hidden or not); otherwise the step is shown with the
        styles it has. Every other restyle goes through."""
        look = (self.app.theme, self.app.size)
        resuming, self._resuming = self._resuming, False
        if resuming and look == self._look:
            return
        self._look = look
        super().update_node_styles(animate=animate)

    def fill_hidden(self) -> None:
        """Built ahead and not shown yet (DockwrightApp._build_ahead): put the plan into the fields and render
        the preview's files now, in idle time, rather than while the person waits for the step. Its toasts too
        (toasts_as_shown): the layout ahead then covers what showing it would ask for."""
        from dockwright.screens.hidden_screen import toasts_as_shown

        toasts_as_shown(self)
        if self.SHOW_PREVIEW:
            from dockwright.screens.widgets.preview import STEP_FILE, PreviewPane

            pane = self.query_one(PreviewPane)
            pane.render_now(self.plan)
            pane.focus_file(STEP_FILE.get(self.STEP_ID), self.STEP_ID)
        self.query_one(StepList).refresh_steps(self.plan, hidden=True)
        update_label(self.query_one("#step-title", Label), self.numbered_title())
        if self.LOAD_AHEAD:
            self.load_plan(self.plan)

    @property
    def never_shown(self) -> bool:
        """Neither laid out ahead nor shown yet."""
        return not (self._laid_out or self._shown)

    def needs_lay_out_ahead(self) -> bool:
        """Mounted out of sight and not laid out yet, or asked for a layout since it was (for the same theme and
        size: a new look is restyled and laid out when shown, see update_node_styles). The toasts up now are put on
        it first (toasts_as_shown): mounting them asks for a layout, which showing it would run before its frame."""
        from dockwright.screens.hidden_screen import layout_pending, toasts_as_shown

        if not self.is_mounted:
            return False
        if self.never_shown:
            return True
        if self._look != (self.app.theme, self.app.size):
            return False
        return toasts_as_shown(self) or layout_pending(self)

    def lay_out_hidden(self) -> bool:
        """Then lay it out for the terminal's size as showing it would (this also sets the size classes); the app
        renders it next (render_hidden), as a piece of its own, so that showing it restyles, lays out and renders
        nothing new unless the theme or the size changed meanwhile (update_node_styles; showing a screen lays it
        out only for a new size). True when it laid out (the first time, or a widget asked again since the last)."""
        from dockwright.screens.hidden_screen import lay_out_hidden

        again = lay_out_hidden(self, first=not self._laid_out)
        self._laid_out = True
        self._look = (self.app.theme, self.app.size)
        return again

    def render_hidden(self) -> None:
        """Render the widgets' lines of the step laid out ahead (nothing is displayed)."""
        from dockwright.screens.hidden_screen import render_hidden

        render_hidden(self)

    def on_screen_resume(self) -> None:
        self._resuming = True  # runs before Screen's own handler, which restyles through update_node_styles
        self._shown = True
        if self.SHOW_PREVIEW:
            from dockwright.screens.widgets.preview import STEP_FILE, PreviewPane

            pane = self.query_one(PreviewPane)
            pane.plan_changed(self.plan)
            pane.focus_file(STEP_FILE.get(self.STEP_ID), self.STEP_ID)
        self.query_one(StepList).refresh_steps(self.plan)
        update_label(self.query_one("#step-title", Label), self.numbered_title())
        self.load_plan(self.plan)
        self.focus_a_shown_field()

    def focus_a_shown_field(self) -> None:
        """Textual's AUTO_FOCUS takes the form's first field even when its row is hidden (the Docker version on
        a daemonless build): what was typed went nowhere to be seen. The first field that shows takes it then."""
        focused = self.focused
        if focused is None or shown(focused):
            return
        for widget in self.query(self.AUTO_FOCUS or "*"):
            if widget.focusable and shown(widget):
                widget.focus()
                return

    def numbered_title(self) -> str:
        """"Step 3 of 9: How jobs run Docker": where you are, also when the step list is hidden."""
        shown = [s.id for s in STEPS if s.applies(self.plan)]
        if self.STEP_ID not in shown:
            return self.step.title
        return f"Step {shown.index(self.STEP_ID) + 1} of {len(shown)}: {self.step.title}"

    def load_plan(self, plan: Plan) -> None:
        """Put the plan's values into the fields (called each time the step is shown)."""

    def problem(self) -> str | None:
        """A sentence saying what must be fixed before Next, or None."""
        return None

    def text_problem(self) -> str | None:
        """A field holding a line break or a control character (a paste can bring one): the plan's one rule."""
        from dockwright.wizard.plan import text_problems

        problems = text_problems(self.plan)
        if not problems:
            return None
        key, problem, allowed = problems[0]
        return f"`{key}` {problem}: use {allowed}."

    # Back and Next through @on, not on_button_pressed: Textual calls the on_button_pressed of every class of
    # the MRO, so a step's own on_button_pressed that also called super()'s ran Next twice (a step skipped).
    @on(Button.Pressed, "#next")
    def _next_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    def action_next(self) -> None:
        problem = self.text_problem() or self.problem()
        if problem:
            self.notify(problem, title="Before you go on", severity="warning")
            self.show_problem_field()
            return
        self.post_message(GoToStep("next"))

    def show_problem_field(self) -> None:
        """Next was refused: put the cursor on the field the sentence is about, scrolled into view (on a short
        terminal it can be below the visible part). Steps whose problems belong to a field override this."""

    def action_back(self) -> None:
        if self.STEP_ID != "connect":
            self.post_message(GoToStep("back"))

    def action_help(self) -> None:
        from dockwright.screens.widgets.help import HelpScreen  # Markdown and its parser: when help is asked for

        self.app.push_screen(HelpScreen(self.step))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Steps without a preview do not offer F2 / F3; the first step has no Back."""
        if action in ("toggle_preview", "toggle_diff") and not self.SHOW_PREVIEW:
            return False
        return not (action == "back" and self.STEP_ID == "connect")

    def action_toggle_preview(self) -> None:
        self.toggle_class("-show-preview")
        self.toggle_class("-hide-preview")

    def action_toggle_diff(self) -> None:
        if self.SHOW_PREVIEW:
            from dockwright.screens.widgets.preview import PreviewPane

            self.query_one(PreviewPane).action_toggle_diff()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        shown_in_place = type(self).show_error is not StepScreen.show_error
        sentence = handle_worker_state(self, event, notify=not shown_in_place)
        if sentence is not None:
            self.show_error(sentence)

    def show_error(self, sentence: str) -> None:
        """Steps with a status line override this to show the sentence in place too."""
