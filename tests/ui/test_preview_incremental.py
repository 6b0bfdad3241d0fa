"""The preview edits only the lines that changed (show_text) instead of loading the whole text again: what it shows
must still be exactly the full render, highlighted as a freshly loaded text is, and it keeps its scroll position."""

from __future__ import annotations

import random

from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Input, TextArea
from textual.widgets.text_area import Selection

from dockwright.screens.widgets.preview import _register_dockerfile, read_existing, render_previews, show_text
from dockwright.screens.widgets.preview_area import PreviewArea
from dockwright.wizard.plan import Plan, replace_in
from tests.ui.helpers import flask_repo, offline_app


class TwoAreas(App):
    def compose(self) -> ComposeResult:
        for name in ("edited", "loaded"):
            area = TextArea("", read_only=True, id=name, soft_wrap=False)
            _register_dockerfile(area)
            area.language = "dockerfile"
            yield area


def painted(area: TextArea) -> list[list[tuple[str, object]]]:
    """Each visible line as the widget draws it: text and style per segment (the highlighting included)."""
    return [[(seg.text, seg.style) for seg in area.render_line(y)] for y in range(area.size.height)]


async def test_random_line_edits_end_with_exactly_the_new_text():
    async with TwoAreas().run_test() as pilot:
        area = pilot.app.query_one("#edited", TextArea)
        rnd = random.Random(12)
        text = "FROM python:3.12-slim\nWORKDIR /app\n"
        area.load_text(text)
        for _ in range(400):
            lines = text.split("\n")
            i = rnd.randrange(len(lines))
            match rnd.randrange(4):
                case 0:
                    lines.insert(i, rnd.choice(["RUN pip install x", "", "EXPOSE 80"]))
                case 1 if len(lines) > 1:
                    del lines[i]
                case 2:
                    lines[i] += "1"
                case _:
                    lines = [*lines[:i], rnd.choice(["", "CMD [\"x\"]"])]
            new = "\n".join(lines)
            show_text(area, new)
            assert area.text == new
            text = new


async def test_an_edited_dockerfile_is_highlighted_as_one_loaded_whole(tmp_path):
    repo = flask_repo(tmp_path / "app")
    existing = read_existing(repo)
    plan = offline_app(repo).plan
    texts = [render_previews(p, existing, "https://gitlab.example.com")["dockerfile"] for p in (
        plan, replace_in(plan, "dockerfile", port=9090), replace_in(plan, "dockerfile", port=8, base_image="python:3.11-slim", non_root=False))]
    async with TwoAreas().run_test(size=(100, 60)) as pilot:
        edited, loaded = (pilot.app.query_one(f"#{n}", TextArea) for n in ("edited", "loaded"))
        edited.load_text(texts[0])
        for text in texts[1:]:
            show_text(edited, text)
        loaded.load_text(texts[-1])
        for area in (edited, loaded):  # the cursor's line is drawn apart: the same place in both
            area.move_cursor((0, 0))
        pilot.app.set_focus(None)  # nor a blinking cursor in one of them
        await pilot.pause()
        assert edited.text == texts[-1]
        assert painted(edited) == painted(loaded)
        styles = {style for line in painted(edited) for _text, style in line if style is not None}
        assert len(styles) > 2  # keywords, strings... highlighted, not plain text


async def port_field(app, pilot, value: str, *keys: str) -> tuple[PreviewArea, Input]:
    """The Dockerfile step shown, its port field focused and set to ``value`` (then ``keys`` typed at its end and
    the screen settled), and the preview's Dockerfile."""
    app.goto("dockerfile")
    for _ in range(3):
        await pilot.pause()
    field = app.screen.query_one("#df-port", Input)
    field.focus()
    field.value = value
    if keys:
        await pilot.press("end", *keys)
        for _ in range(3):
            await pilot.pause()
    return app.screen.query_one("#preview-dockerfile", PreviewArea), field


def lines_drawn(widget: Widget) -> list[int]:
    """From now on, the rows ``widget`` draws anew (the others come from what is already on screen)."""
    drawn: list[int] = []
    render_line = widget.render_line
    widget.render_line = lambda y: (drawn.append(y), render_line(y))[1]  # type: ignore[method-assign]
    return drawn


async def test_typing_keeps_the_preview_equal_to_the_full_render_and_where_it_was_scrolled(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(140, 40)) as pilot:
        area, _field = await port_field(app, pilot, "")
        await pilot.press("9", "0", "9", "0", "backspace", "1")
        for _ in range(3):
            await pilot.pause()
        top = area.scroll_offset.y
        pane = app.screen.query_one("#preview")
        full = render_previews(app.plan, pane.existing, app.gitlab_url)
        assert area.text == full["dockerfile"] and "EXPOSE 9091" in area.text
        await pilot.press("backspace", "2")
        for _ in range(3):
            await pilot.pause()
        assert area.text == render_previews(app.plan, pane.existing, app.gitlab_url)["dockerfile"]
        assert area.scroll_offset.y == top  # the changed line was in view: the preview did not jump
        assert isinstance(app.plan, Plan) and app.plan.dockerfile.port == 9092


class OneArea(App):
    def compose(self) -> ComposeResult:
        area = PreviewArea("", read_only=True, show_line_numbers=True, id="area", soft_wrap=False)
        _register_dockerfile(area)
        area.language = "dockerfile"
        yield area


def drawn(area: TextArea) -> list[list[tuple[str, object]]]:
    """The visible lines as the screen has them: repainted lines anew, the others as they were last drawn."""
    return [[(seg.text, seg.style) for seg in strip] for strip in area.render_lines(area.size.region)]


async def test_changing_lines_repaints_what_differs_and_the_screen_matches_a_full_repaint():
    """PreviewArea repaints only the lines drawn differently (text, highlighting, selection, cursor row); after
    each random change the screen must look exactly as when the whole area is repainted."""
    async with OneArea().run_test(size=(80, 24)) as pilot:
        area = pilot.app.query_one(PreviewArea)
        rnd = random.Random(7)
        words = ["RUN pip install x", "", "EXPOSE 80", 'CMD ["gunicorn", "app:app"]', "ENV A=1 \\", "  B=2",
                 "# a comment", "COPY . .", "USER app"]
        text = "\n".join(rnd.choice(words) for _ in range(30))
        area.load_text(text)
        await pilot.pause()
        for _ in range(60):
            lines = text.split("\n")
            i = rnd.randrange(len(lines))
            match rnd.randrange(5):
                case 0:
                    lines.insert(i, rnd.choice(words))
                case 1 if len(lines) > 1:
                    del lines[i]
                case 2:
                    lines[i] += rnd.choice(["1", " \\", '"'])
                case _:
                    lines[i] = rnd.choice(words)
            text = "\n".join(lines)
            with area.changing_lines():
                show_text(area, text)
                row = min(i, area.document.line_count - 1)
                area.selection = Selection((row, len(area.document[row])), (row, 0))
            await pilot.pause()
            partly = drawn(area)
            area.refresh()
            await pilot.pause()
            assert partly == drawn(area)
            assert area.text == text


async def test_typing_in_a_field_repaints_only_the_preview_lines_it_changes(tmp_path):
    """A keystroke that changes one Dockerfile line repaints that line (and the mark's), not every visible line
    of the preview as TextArea does after an edit (the larger part of keystroke -> preview repainted)."""
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(140, 40)) as pilot:
        area, field = await port_field(app, pilot, "80", "1")
        repainted = lines_drawn(area)
        await pilot.press("2")
        for _ in range(3):
            await pilot.pause()
        assert f"EXPOSE {field.value}" in area.text and field.value == "8012"
        assert area.size.height > 20 and 1 <= len(set(repainted)) <= 3


async def test_a_keystroke_leaves_the_preview_scrollbar_alone_unless_the_document_width_changes(tmp_path):
    """Every layout of the screen (each keystroke in a field) made the preview redraw its scrollbars, which also
    widened the screen region redrawn to the bottom of the preview; now only a change they show redraws them."""
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(140, 40)) as pilot:
        area, _field = await port_field(app, pilot, "80", "1")
        assert area.show_horizontal_scrollbar  # the Dockerfile's longest line is wider than the preview
        drawn = lines_drawn(area.horizontal_scrollbar)
        await pilot.press("2", "backspace", "3")
        for _ in range(3):
            await pilot.pause()
        assert "EXPOSE 8013" in area.text and drawn == []
        width = area.virtual_size.width
        command = app.screen.query_one("#df-command", Input)
        command.value = "gunicorn --bind 0.0.0.0:8013 " + "--log-level debug " * 12 + "app:app"
        for _ in range(3):
            await pilot.pause()
        assert area.virtual_size.width > width and drawn  # a wider document: the scrollbar's thumb is redrawn


async def test_typing_while_the_diff_is_shown_does_not_scroll_the_preview_sideways(tmp_path):
    """The edit that brings the new text in left TextArea's cursor at the end of the edited lines, and TextArea
    scrolled to it: with F3's diff on (no changed-lines mark to put the cursor back at column 0) the preview
    jumped sideways on each keystroke that changed a long line (here the CMD line, with the port in it)."""
    repo = flask_repo(tmp_path / "app")
    (repo / "Dockerfile").write_text(render_previews(offline_app(repo).plan, read_existing(repo),
                                                     "https://gitlab.example.com")["dockerfile"])
    app = offline_app(repo)
    async with app.run_test(size=(120, 40)) as pilot:
        area, _field = await port_field(app, pilot, "", "f3", "1", "2")
        assert app.screen.query_one("#preview").show_diff
        assert '+CMD ["gunicorn", "--bind", "0.0.0.0:12"' in area.text
        assert area.virtual_size.width > area.size.width and area.scroll_offset.x == 0
