"""Building a step screen out of sight (steps built ahead, DockwrightApp._build_ahead): the one place dockwright
reaches into Textual's private API, because Textual has no public way to mount or lay out a screen that is not
on the stack. Checked against Textual 8.2.8 (``pip show textual``); tests/ui/test_steps_built_ahead.py fails if
a Textual upgrade changes what these rely on. Everything else in dockwright uses the public API only.
"""

from __future__ import annotations

from textual.app import App
from textual.screen import Screen
from textual.widget import AwaitMount


def mount_hidden(app: App, screen: Screen) -> AwaitMount:
    """Compose and mount an installed ``screen`` without showing it. Showing an installed screen mounts it first
    (App._get_screen, run by push_screen/switch_screen): it registers the screen through App._register, which is
    what this does, without putting the screen on the stack. Await the result for the mount to finish."""
    return AwaitMount(screen, app._register(app, screen))


def lay_out_hidden(screen: Screen, first: bool) -> bool:
    """Lay ``screen`` (mounted, not shown) out for the terminal's size as showing it would. A screen lays itself out
    only while it is the current one (Screen._on_timer_update; refresh(layout=True) merely asks): this runs what
    that runs (Screen._refresh_layout). True when it laid out: on the ``first`` pass, or when a widget asked for a
    layout again since the last (answering its new size). Rendering is a piece of its own (render_hidden): each
    takes up to ~100-400 ms for some steps, and a key pressed meanwhile waits for the piece under way."""
    if not (first or screen._layout_required):
        return False
    screen._refresh_layout(screen.app.size)
    screen._layout_required = False
    return True


def render_hidden(screen: Screen) -> None:
    """Render the laid out ``screen``'s widgets' lines into their caches (nothing is displayed): the compositor's
    render, as showing it would run."""
    screen._compositor.render_update(full=True)


def toasts_as_shown(screen: Screen) -> bool:
    """Put ``screen``'s toast rack (mounted, not shown) as showing it puts it: showing a screen runs
    App._refresh_notifications, whose ToastRack.show sets the rack's ``display`` from the notifications up and mounts
    a toast for each (a toast times itself out when its notification does, wherever it is). Each change asks for a
    layout of the whole screen: done out of sight, the layout ahead runs it, not the first frame. The first time
    with no notification, ``display`` was an inline style where there was none (~25-50 ms more on a step's first
    show than on showing it again); a toast up (Connect's "Connected", 5 s) was mounted on the step and the step laid
    out again (~30 ms, bench/step_switch.py). True when the rack changed."""
    from textual.widgets._toast import Toast, ToastRack

    notifications = screen.app._notifications
    wanted = {notification.identity for notification in notifications}
    for rack in screen.query_children(ToastRack):  # none when notifications are off (run_test's default)
        shown = {toast._notification.identity for toast in rack.query(Toast)}
        if shown == wanted and rack.styles.inline.get_rule("display", None) == ("block" if wanted else "none"):
            return False
        rack.show(notifications)
        return True
    return False


def layout_pending(screen: Screen) -> bool:
    """A widget of ``screen`` asked for a layout since the last (refresh(layout=True) only records it)."""
    return screen._layout_required
