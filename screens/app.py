"""DockwrightApp: owns the Plan, shows one step screen at a time, and is given its session (``services``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import gc
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import Notify
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from dockwright.screens import frozen
from dockwright.screens.errors import ScrubbedCrashReport
from dockwright.screens.hidden_screen import mount_hidden
from dockwright.screens.messages import Applied, GoToStep, PlanChanged
from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_INTERNAL, EXIT_OK, DockwrightError
from dockwright.wizard.plan import ANSWERS_FILE, Plan, replace_in
from dockwright.wizard.session import Session, open_session
from dockwright.wizard.steps import STEPS, next_step, previous_step
from dockwright.wizard.steps import step as step_by_id

if TYPE_CHECKING:
    from dockwright.screens.step import StepScreen
    from dockwright.wizard.practice import PracticeGitLab

Starter = Callable[[], tuple[Plan, Session]]  # the session's start: sandbox, detection, answers file, credentials

SCREEN_CLASSES = {
    "connect": "ConnectScreen", "project": "ProjectScreen", "executor": "ExecutorScreen",
    "runner": "RunnerScreen", "registry": "RegistryScreen", "dockerfile": "DockerfileScreen",
    "pipeline": "PipelineScreen", "review": "ReviewScreen", "apply": "ApplyScreen",
}


BUILD_AHEAD_AFTER = 0.3  # seconds after a step is shown (and after each step built ahead): the app is idle
SHUTDOWN_WAIT = 2.0  # seconds closing waits at most for a step built ahead to finish mounting
LAY_OUT_AFTER = 0.1  # seconds after a step built ahead was filled: its widgets handled what that posted
RENDER_AFTER = 0.02  # seconds between laying a step built ahead out and rendering it: a key pressed is handled between
KEYS_QUIET = 0.3  # seconds without a key before a piece of building ahead starts: keys held or typed come first
TOAST_GONE_AFTER = 0.2  # seconds after a toast timed out: its copies on steps out of sight are off, asking for a layout
KEY_RUN = 1.0  # seconds: a key this soon after the one before is one of a run (held down, or pressed again and again)
AHEAD_NEVER = ("apply", "watch")  # Apply starts its work when shown; the watch screen is no step screen


def _screen_class(step_id: str) -> type[StepScreen]:
    """screens/<step>.py holds <Step>Screen; imported when the step is first shown."""
    import importlib

    return getattr(importlib.import_module(f"dockwright.screens.{step_id}"), SCREEN_CLASSES[step_id])


class DockwrightApp(ScrubbedCrashReport, App):
    CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "app.tcss"
    TITLE = "dockwright"
    # Textual declares this an instance attribute of App: a ClassVar (what RUF012 asks) would contradict it for mypy
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (100, "-medium"), (118, "-roomy"), (144, "-wide")]  # noqa: RUF012
    # roomy (118+): the preview's tab labels whole beside a ~60-column form; wide (144+): the step list too
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Quit; asks first if nothing was applied yet"),
        Binding("ctrl+s", "save_answers", "Save answers", id="app.save",
                tooltip="Save your answers to dockwright.yml (never tokens or secret values)"),
    ]

    # repaint=False: the widgets that show the plan watch it and refresh themselves; a repaint of the app on each
    # change redrew the whole screen on every keystroke (bench/keystroke.py)
    plan: reactive[Plan] = reactive(Plan, init=False, repaint=False)

    def __init__(self, plan: Plan, services: Session, *, start_step: str = "connect",
                 starting: Starter | None = None, practising: bool = False) -> None:
        """``starting``: the session is not started yet; the first step is shown with ``plan`` and ``services``
        as placeholders while ``starting`` runs in a thread (detection's git commands, the sandbox's start-up),
        and filled in when it returns (:meth:`_started`). ``practising``: that start brings up a sandbox."""
        super().__init__()
        self.set_reactive(DockwrightApp.plan, plan)
        self.services = services
        self.start_step = start_step
        self.current_step = start_step
        self.applied = False
        self.applied_sha: str | None = None  # the commit the last apply pushed
        self.reviewed_plan: Plan | None = None  # the plan whose changes the user confirmed on Review
        self.review_confirmations = 0  # each confirmation of Review is one apply run
        self._saved_plan: Plan | None = None
        self._initial_plan = plan
        self._ahead_timer: Timer | None = None  # the next build ahead (_build_ahead_soon)
        self._exiting = False
        self._building: asyncio.Future[None] | None = None  # a step built ahead, being mounted
        self._laid_out_ahead: set[str] = set()  # the steps built or laid out ahead since the last goto
        # when the last key was read (on_event; Textual's message clock, time.monotonic off Windows): building ahead
        # waits for quiet, Review's Next for a key on its own
        self._last_key = 0.0
        self._key_gap = float("inf")  # seconds between the last key and the one before it (key_in_a_run)
        self._key_event: events.Key | None = None
        self.crash: str | None = None  # the sentence said on exit after an unexpected error (see _handle_exception)
        self.practising = practising or services.sandbox is not None
        self.started = starting is None  # the session is started: detection's results and the token are in
        self._starting = starting
        self.start_thread: threading.Thread | None = None
        self.start_result: tuple[Plan, Session] | None = None  # what ``starting`` returned (run_wizard closes it)
        self.start_error: BaseException | None = None  # what it raised (run_wizard raises it again after the app)
        if self.practising:
            self.sub_title = "SANDBOX"

    @property
    def gitlab_url(self) -> str:
        return self.plan.gitlab.url

    @property
    def answers_path(self) -> Path:
        return self.services.workdir / ANSWERS_FILE

    def on_mount(self) -> None:
        """The first step is pushed after the App's mount, not during it: Textual holds the display back until the
        App's Mount is handled (its batch_update), so a step composed, laid out and drawn inside it was drawn for
        nothing (~60 ms) and drawn again, and the terminal's first write was a part of the screen."""
        self.call_later(self._show_first_step)

    def _show_first_step(self) -> None:
        if len(self.screen_stack) <= 1:  # nothing asked for a step meanwhile (a test's goto)
            self.goto(self.start_step)

    def on_ready(self) -> None:
        """Textual's Ready: the first frame is on the terminal. Only now the session starts (the step says
        "detecting …" meanwhile): a thread started earlier held the interpreter while the first frame was made,
        and that frame came no sooner than with the start before the app (bench/first_paint.py). The garbage
        collector, paused since the command line (screens/entry.py), runs again, what the start made frozen."""
        frozen.resume_collection(self)
        if self._starting is not None and self.start_thread is None:
            self._start_session()

    # -- the session's start, off the first frame -------------------------------------------
    def _start_session(self) -> None:
        """Run the session's start in a thread (a plain one: it may be starting a sandbox when the person quits,
        and run_wizard waits for it then and stops what it started)."""
        starting = self._starting
        assert starting is not None

        def start() -> None:
            try:
                self.start_result = starting()
            except BaseException as exc:  # noqa: BLE001  (said by run_wizard after the app, as before the app)
                self.start_error = exc
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile: run_wizard stops the session
                self.call_from_thread(self._started)

        self.start_thread = threading.Thread(target=start, name="dockwright-start", daemon=True)
        self.start_thread.start()

    def _started(self) -> None:
        """The session's start returned: its plan and session replace the placeholders, the step fills in."""
        if self.start_error is not None:
            self.exit(return_code=2)
            return
        if self.start_result is None or self._exiting:
            return
        plan, self.services = self.start_result
        self._initial_plan = plan
        self.started = True
        self.plan = plan
        for screen in self.screen_stack:
            fill = getattr(screen, "on_session_started", None)
            if fill is not None:
                fill()
        self._build_ahead_soon()

    # -- the Plan ---------------------------------------------------------------------------
    def on_plan_changed(self, message: PlanChanged) -> None:
        message.stop()
        if message.section is None:
            new = dataclasses.replace(self.plan, **message.changes)
        else:
            new = replace_in(self.plan, message.section, **message.changes)
        if new != self.plan:
            self.plan = new

    def on_applied(self, message: Applied) -> None:
        self.applied = True
        self.applied_sha = message.sha or self.applied_sha

    def confirm_review(self, plan: Plan) -> None:
        """The user confirmed Review's list of changes for ``plan``: Apply runs next, for exactly these answers."""
        self.reviewed_plan = plan
        self.review_confirmations += 1

    # -- navigation -------------------------------------------------------------------------
    def on_go_to_step(self, message: GoToStep) -> None:
        message.stop()
        target = message.step_id
        if target == "next":
            nxt = next_step(self.plan, self.current_step)
            target = nxt.id if nxt else self.current_step
        elif target == "back":
            prev = previous_step(self.plan, self.current_step)
            target = prev.id if prev else self.current_step
        self.goto(target)

    def goto(self, step_id: str) -> None:
        if step_id == "watch" or not step_by_id(step_id).applies(self.plan):
            return
        if not self.started and self.is_screen_installed(self.current_step):
            self.notify(self.starting_sentence, title="One moment")
            return
        if step_id == "apply" and self.reviewed_plan != self.plan:
            # nothing is written or sent before Review is confirmed for exactly these answers
            self.notify("Apply comes after Review: confirm the changes there first.", severity="warning")
            step_id = "review"
        if not self.is_screen_installed(step_id):
            self.install_screen(_screen_class(step_id)(), name=step_id)
        self.current_step = step_id
        self._laid_out_ahead.clear()
        if len(self.screen_stack) <= 1:
            self.push_screen(step_id)
        else:
            self.switch_screen(step_id)
        self._build_ahead_soon()

    # -- steps built ahead ------------------------------------------------------------------
    def _build_ahead_soon(self) -> None:
        """Once the app is idle again (BUILD_AHEAD_AFTER, read here: a test sets it), build the next step after the
        current one that is not built yet."""
        if self._ahead_timer is not None:
            self._ahead_timer.stop()
        self._ahead_timer = self.set_timer(BUILD_AHEAD_AFTER, self._build_ahead)

    @property
    def starting_sentence(self) -> str:
        """What the first step says while the session starts."""
        if self.practising:
            return "Starting the practice sandbox and detecting its demo project …"
        return "Detecting the project …"

    def _idle_on_a_step(self) -> bool:
        """The current step is on screen (no dialog or help over it, not exiting), the session started."""
        stack = self.screen_stack if self.is_running and not self._exiting and self.started else []
        return bool(stack) and stack[-1].id == f"step-{self.current_step}"

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event is not self._key_event:  # a key not handled below comes back up
            self._key_event = event
            # when the key was read (Textual stamps each message when it is made, monotonic), not when it is handled:
            # keys that waited while the loop was busy are handled in a burst, or after a gap they did not have
            self._key_gap, self._last_key = event.time - self._last_key, event.time
        await super().on_event(event)

    def key_in_a_run(self) -> bool:
        """The key just pressed came less than KEY_RUN after the one before: held down (a terminal repeats it every
        ~30-40 ms) or pressed again and again. Review's Next applies, and a Ctrl+N held or hammered through the
        steps before must not be the one that does. A second, not a few repeats' time: under load the keys read
        while the loop is busy come in bursts, with gaps of 100-150 ms between them (measured through a pty)."""
        return time.monotonic() - self._last_key < KEY_RUN and self._key_gap < KEY_RUN

    def _ahead_piece_now(self, piece: Callable[[], object], screen: StepScreen | None = None) -> bool:
        """``piece`` of building ahead (for ``screen``) may run now: the app is idle on a step and ``screen`` is not
        the one shown (else the next goto schedules building ahead again), and no key came for KEYS_QUIET: a piece
        takes up to a few hundred ms on the event loop, and a key pressed meanwhile waits for it to end
        (bench/step_switch.py's p90), so after a key (held, or typed in a field) ``piece`` runs once the keys have
        been quiet that long instead."""
        self._ahead_timer = None
        if not self._idle_on_a_step() or (screen is not None and self.screen is screen):
            return False
        wait = self._last_key + KEYS_QUIET - time.monotonic()
        if wait > 0:
            self._ahead_timer = self.set_timer(wait, piece)
            return False
        return True

    async def _build_ahead(self) -> None:
        """Compose, mount and fill the first step after the current one that is not built yet, hidden; lay it out
        and render it after a pause (_lay_out_ahead, _render_ahead), then go on to the next. Next then shows a step
        that exists: ~50 ms instead of ~500 ms composing, styling, filling and laying out a new screen while the
        person waits (bench/step_switch.py). Each piece waits for the keys to be quiet (_ahead_piece_now). A
        step's on_mount only sets up state and watches the plan; its fields and preview are filled again when it is
        shown (on_screen_resume), which changes nothing that is already so."""
        if not self._ahead_piece_now(self._build_ahead):
            return
        here = STEPS.index(step_by_id(self.current_step))
        # then the steps shown before, nearest first, when a widget of theirs asked for a layout since (a toast
        # taken off when it expired): else Back laid them out while the person waited
        behind = [s for s in reversed(STEPS[:here]) if self.is_screen_installed(s.id)]
        for s in [*STEPS[here + 1:], *behind]:
            if s.id in AHEAD_NEVER or not s.applies(self.plan):
                continue
            if self.is_screen_installed(s.id):
                built: StepScreen = self.get_screen(s.id)  # type: ignore[assignment]
                if s.id not in self._laid_out_ahead and built not in self.screen_stack and built.needs_lay_out_ahead():
                    self._laid_out_ahead.add(s.id)  # once a visit: a widget may ask for a layout after each
                    # built ahead, and a goto came before it was laid out: lay it out now, else showing it did
                    # (~300-800 ms for the Dockerfile step, bench/step_switch.py)
                    if built.never_shown:
                        built.fill_hidden()
                    self._ahead_timer = self.set_timer(LAY_OUT_AFTER, functools.partial(self._lay_out_ahead, built))
                    return
                continue
            screen = _screen_class(s.id)()
            self.install_screen(screen, name=s.id)
            self._laid_out_ahead.add(s.id)
            self._building = asyncio.get_running_loop().create_future()
            try:
                await mount_hidden(self, screen)
            finally:
                self._building.set_result(None)
                self._building = None
            if self._idle_on_a_step():
                screen.fill_hidden()
            if self._ahead_timer is None:  # no goto meanwhile: lay it out once what filling it posted is done
                self._ahead_timer = self.set_timer(LAY_OUT_AFTER, functools.partial(self._lay_out_ahead, screen))
            return

    def _lay_out_ahead(self, screen: StepScreen, passes: int = 3) -> None:
        """Lay the step built ahead out, then render it (_render_ahead); again after a pause while what the last
        layout posted asks for one."""
        if not self._ahead_piece_now(functools.partial(self._lay_out_ahead, screen, passes), screen):
            return
        if screen.lay_out_hidden():
            self._ahead_timer = self.set_timer(RENDER_AFTER, functools.partial(self._render_ahead, screen, passes))
            return
        self._built_ahead()

    def _render_ahead(self, screen: StepScreen, passes: int) -> None:
        """Render the step just laid out ahead: a piece of its own, a key pressed after the layout comes first."""
        if not self._ahead_piece_now(functools.partial(self._render_ahead, screen, passes), screen):
            return
        screen.render_hidden()
        if passes > 1:
            self._ahead_timer = self.set_timer(LAY_OUT_AFTER, functools.partial(self._lay_out_ahead, screen, passes - 1))
            return
        self._built_ahead()

    def on_notify(self, event: Notify) -> None:
        """A toast is put on the steps built ahead too (toasts_as_shown), and each copy takes itself off when it
        times out, its step asking for a layout: lay them out again then (once the keys are quiet), else showing
        one ran that layout while the person waited."""
        self.set_timer(event.notification.timeout + TOAST_GONE_AFTER, self._toasts_gone)

    def _toasts_gone(self) -> None:
        self._laid_out_ahead.clear()  # each step may be laid out once more
        if self._ahead_timer is None:  # else building ahead is under way and comes to them
            self._build_ahead_soon()

    def _built_ahead(self) -> None:
        """A step is built ahead, filled, laid out and rendered: its widgets live as long as the app. Python's full
        garbage collection walks every object there is, and each step built ahead made it longer: 100 ms with two
        steps up to ~360 ms with all eight (gc.callbacks, tests-style app at 120x40), run wherever it happened to
        be due, a key pressed then waited for it (bench/step_switch.py's p90). The objects there are now are moved
        out of its walk (gc.freeze, screens/frozen.py), after the young generations' garbage is collected (a few
        ms); what becomes garbage later is still collected, and what was frozen is given back when the app ends
        (_shutdown: a test process runs many apps), not when the watch screen's log pane closes. Then the next
        step."""
        gc.collect(1)
        frozen.hold(self)
        self._build_ahead_soon()

    # -- answers and quitting ---------------------------------------------------------------
    @property
    def answers_changed(self) -> bool:
        """The answers differ from those the wizard started with or last saved."""
        return self.plan != (self._saved_plan or self._initial_plan)

    @property
    def has_unapplied_work(self) -> bool:
        return not self.applied and self.answers_changed

    def save_answers_file(self) -> bool:
        """Write dockwright.yml; on failure say why and what to do, and keep the app running."""
        if not self.started:  # the placeholders would overwrite the answers file the start is reading
            self.notify(self.starting_sentence, title="Not saved yet")
            return False
        from dockwright.screens.errors import explain

        try:
            save_answers(self.plan, self.answers_path)
        except (DockwrightError, OSError) as exc:
            self.notify(f"Could not save {self.answers_path}: {explain(exc)}", title="Not saved", severity="error")
            return False
        self._saved_plan = self.plan
        return True

    def action_save_answers(self) -> None:
        if self.save_answers_file():
            self.notify(f"Answers saved to {self.answers_path.name} (no secrets in it).", title="Saved")

    @property
    def again(self) -> str:
        """How the next run starts from the saved answers, for the sentences that say where they went."""
        return "Running dockwright --sandbox again" if self.practising else "Running dockwright in this folder again"

    @property
    def exit_status(self) -> int:
        """The process exit code of this run: EXIT_INTERNAL after an unexpected error, else 0."""
        if self.crash is not None:
            return EXIT_INTERNAL
        return self.return_value if isinstance(self.return_value, int) else EXIT_OK

    def _handle_exception(self, error: Exception) -> None:
        """An exception nothing handled: keep the answers, log the traceback, exit with one sentence.

        Textual has no public hook for this; every such exception (a handler, a callback, compose, a worker
        that exits on error) reaches App._handle_exception, which exits with return code 1 and prints a
        traceback with every frame's local variables (the token among them) on the terminal. That print is
        dropped (run_wizard prints the sentence instead, unwrapped so its paths can be copied); the traceback
        goes to a log without locals and without secrets.
        """
        if self.crash is None:
            from dockwright.screens.crash import record_crash

            try:
                self.crash = record_crash(self, error)
            except Exception as failed:  # noqa: BLE001  (record_crash catches its own; this is the last net)
                self.crash = (f"dockwright stopped on an unexpected error ({type(error).__name__}), a bug in "
                              f"dockwright, and could not save your answers or log it ({type(failed).__name__}).")
        super()._handle_exception(error)
        self._exit_renderables.clear()  # what Textual would print to stderr on exit

    async def action_quit(self) -> None:
        if not self.has_unapplied_work:
            self.exit(0)
            return
        from dockwright.screens.widgets.quit import QuitScreen

        def decided(choice: str | None) -> None:
            if choice == "save":
                if self.save_answers_file():
                    self.exit(0)
            elif choice == "quit":
                self.exit(0)

        self.push_screen(QuitScreen(str(self.answers_path), again=self.again), decided)

    def get_key_display(self, binding: Binding) -> str:
        """F1 opens help everywhere; ``?`` only when the cursor is not in a text field, so the footer names
        ``?`` only then."""
        shown = super().get_key_display(binding)
        if binding.id == "step.help":
            from dockwright.screens.step import in_text_field
            from dockwright.screens.widgets.steady_footer import keys_screen

            if not in_text_field(keys_screen(self).focused):  # the footer's own step, shown or not
                return f"{shown} ?"
        return shown

    # -- command palette --------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for s in STEPS:
            if s.id != "watch" and s.applies(self.plan):
                yield SystemCommand(f"Go to step: {s.title}", s.why, lambda sid=s.id: self.goto(sid))
        from dockwright.screens.widgets.preview import PREVIEW_FILES

        for f in PREVIEW_FILES:
            yield SystemCommand(f"Copy file: {f.title}", f"Copy the generated {f.title} to the clipboard",
                                lambda fid=f.id: self.copy_file(fid))
        yield SystemCommand("Save answers", "Write dockwright.yml (never secrets)", self.action_save_answers)
        yield SystemCommand("Open help", "This step's teaching page", self._open_help)
        if self.services.sandbox:
            yield SystemCommand("Show the sandbox's URL and token", "For dockwright watch, git or curl in another "
                                "terminal (dockwright watch --sandbox also finds it by itself)", self._show_sandbox)

    def _sandbox_facts(self) -> tuple[str, Secret, str]:
        """The practice sandbox's url, token and project (as build_services set them at the start)."""
        return self._initial_plan.gitlab.url, self.services.token or Secret(""), self._initial_plan.gitlab.project

    def _show_sandbox(self) -> None:
        from dockwright.screens.widgets.sandbox_facts import SandboxFacts

        self.push_screen(SandboxFacts(*self._sandbox_facts()))

    async def _shutdown(self) -> None:
        """Closing while a step built ahead is being mounted would close its widgets half-mounted (their on_mount
        failing on children not there): let that mount finish first (it takes a fraction of a second)."""
        if self._building is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._building), SHUTDOWN_WAIT)
        await super()._shutdown()
        frozen.release(self)  # the steps frozen while built ahead (_built_ahead) are garbage now

    def exit(self, result=None, return_code: int = 0, message=None) -> None:  # noqa: ANN001 - Textual's signature
        """With --sandbox, leaving says the sandbox's URL and token once more: it stops with the wizard."""
        if self._ahead_timer is not None:  # no step is built ahead while the app closes
            self._ahead_timer.stop()
            self._ahead_timer = None
        self._exiting = True
        if message is None and self.services.sandbox:
            from rich.text import Text

            from dockwright.wizard.sandbox_link import sandbox_farewell

            message = Text(sandbox_farewell(*self._sandbox_facts()))
        super().exit(result, return_code, message)

    def copy_file(self, file_id: str) -> None:
        from dockwright.screens.widgets.preview import PREVIEW_FILES, read_existing, render_previews

        try:
            text = render_previews(self.plan, read_existing(self.services.workdir, self.plan), self.gitlab_url).get(file_id, "")
        except (DockwrightError, OSError) as exc:
            from dockwright.screens.errors import explain

            self.notify(explain(exc), title="Nothing copied", severity="error")
            return
        self.copy_to_clipboard(text)
        title = next(f.title for f in PREVIEW_FILES if f.id == file_id)
        self.notify(f"{title} copied to the clipboard.")

    def _open_help(self) -> None:
        from dockwright.screens.widgets.help import HelpScreen

        self.push_screen(HelpScreen(step_by_id(self.current_step)))


def build_services(args: argparse.Namespace, workdir: Path) -> tuple[Plan, Session, PracticeGitLab | None]:
    """Plan and session from the command line: sandbox, detection, answers file, credentials."""
    answers = Path(args.answers) if getattr(args, "answers", None) else None
    session = open_session(workdir, answers=answers, sandbox=bool(getattr(args, "sandbox", False)),
                           folder_given=bool(getattr(args, "dir", None)), demo=getattr(args, "demo", None))
    try:
        plan = session.start()
    except BaseException:
        session.close()
        raise
    return plan, session, session.sandbox


def run_wizard(args: argparse.Namespace) -> int:
    """`dockwright` without a subcommand: the Textual wizard in ``--dir`` (default: this folder).

    The first frame comes before the session's start (build_services: the sandbox's start-up, detection's git
    commands, the answers file, credentials): Connect shows "detecting …" and fills in when it is done. What the
    start raises is raised here after the app closed, as it was before the app started."""
    workdir = Path(getattr(args, "dir", None) or ".").resolve()
    practising = bool(getattr(args, "sandbox", False))

    def starting() -> tuple[Plan, Session]:
        plan, session, _sandbox = build_services(args, workdir)
        return plan, session

    nothing_yet = replace_in(Plan(), "gitlab", url="", project="")  # not a default URL shown as if found
    app = DockwrightApp(nothing_yet, Session(workdir=workdir), starting=starting, practising=practising)
    try:
        app.run()
    finally:
        if app.start_thread is not None:
            app.start_thread.join()  # quit while the sandbox was starting: stop it once it is up
        if app.start_result is not None:
            app.start_result[1].close()
    if app.start_error is not None:
        raise app.start_error
    if app.crash:
        print(app.crash, file=sys.stderr)
    return app.exit_status
