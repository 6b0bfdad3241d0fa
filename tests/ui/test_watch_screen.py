"""The watch screen: log rendering, stage columns, keys, confirm, follow-running, and a snapshot.

Widget behaviour is checked with Pilot inside a tiny App; the whole screen is driven by a real
follower against the sandbox (see tests/integration for the follower itself).
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from screens.widgets.job_log import JobLog, clean_line, tail_lines
from screens.widgets.pipeline_graph import PipelineGraph, format_duration
from wizard.watch import Job


# ------------------------------------------------------------------------------------------ log lines

def test_section_markers_become_marked_headers():
    shown, header = clean_line("section_start:1700000000:build_script[collapsed=true]\r\x1b[0K\x1b[32;1m$ docker build .\x1b[0;m")
    assert header and shown == "\x1b[32;1m$ docker build .\x1b[0;m"
    shown, header = clean_line("section_end:1700000001:build_script\r\x1b[0K")
    assert (shown, header) == ("", False)


def test_carriage_return_keeps_the_final_redraw():
    assert clean_line("10%\r50%\r100% done")[0] == "100% done"


def test_tail_lines_counts_what_it_skips():
    text = "".join(f"line {i}\n" for i in range(100))
    lines, skipped = tail_lines(text, 11)
    assert skipped == 90 and lines[0] == "line 90" and lines[-1] == ""
    assert tail_lines("a\nb", 5) == (["a", "b"], 0)


def test_durations_read_like_gitlab():
    assert [format_duration(s) for s in (None, 0.4, 59, 61, 3725)] == ["", "0s", "59s", "1m 01s", "1h 02m"]


class LogApp(App):
    def compose(self) -> ComposeResult:
        yield JobLog(max_lines=200, id="log")


async def test_ansi_colours_rendered_and_masked_kept():
    app = LogApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "build")
        log.append("\x1b[31;1mERROR\x1b[0;m token is [MASKED]\nsecond ")
        log.append("half\n")
        await pilot.pause()
        assert list(log.plain) == ["ERROR token is [MASKED]", "second half"]
        first = log.lines[0]
        assert "[MASKED]" in first.text
        assert any(seg.text == "ERROR" and seg.style.color.number == 1 and seg.style.bold for seg in first)


async def test_big_log_keeps_only_its_tail_and_the_screen_answers():
    app = LogApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "big")
        chunk = "".join(f"line {i} " + "x" * 90 + "\n" for i in range(60_000))  # ~6 MB
        log.append(chunk)
        log.append("the very end\n")
        await pilot.pause()
        assert len(log.plain) <= 200 and len(log.lines) <= 200
        assert log.plain[-1] == "the very end"
        assert "earlier lines not shown" in log.plain[0] or log.skipped > 59_000
        await pilot.press("end")  # still responding


async def test_auto_scroll_pauses_when_scrolled_up_and_search_jumps():
    app = LogApp()
    async with app.run_test(size=(100, 12)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "j")
        log.append("".join(f"step {i}\n" for i in range(100)))
        await pilot.pause()
        assert log.following and log.scroll_y == log.max_scroll_y
        log.scroll_to(y=0, animate=False)
        await pilot.pause()
        log.append("more\n")
        await pilot.pause()
        assert not log.following and log.scroll_y == 0
        assert log.search("STEP 42") == 42
        assert log.search("step 42") == 42  # wraps round to the only match
        assert log.search("nothing like it") is None
        log.resume_following()
        await pilot.pause()
        assert log.following and log.scroll_y == log.max_scroll_y


class GraphApp(App):
    def compose(self) -> ComposeResult:
        yield PipelineGraph(id="graph")


async def test_stage_columns_cells_and_retried_jobs():
    app = GraphApp()
    async with app.run_test(size=(100, 20)) as pilot:
        graph = app.query_one(PipelineGraph)
        graph.update_job(Job(1, "build", "build", "success", 9, duration=12.0))
        graph.update_job(Job(2, "test", "test", "failed", 9, allow_failure=True))
        graph.update_job(Job(3, "deploy", "deploy", "manual", 9))
        await pilot.pause()
        assert [k[1] for k in graph.columns] == ["build", "test", "deploy"]
        assert graph.cells[1].has_class("-success") and "12s" in str(graph.cells[1].render())
        assert graph.cells[2].has_class("-allowed") and str(graph.cells[2].render()).startswith("! test")
        assert "manual" in str(graph.cells[3].render())
        graph.update_job(Job(4, "test", "test", "running", 9))  # the retry of job 2
        await pilot.pause()
        assert 2 not in graph.cells and graph.cells[4].has_class("-running")
        assert len(graph.query("JobCell")) == 3
