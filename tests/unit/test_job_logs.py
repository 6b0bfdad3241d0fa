"""JobLogs: what the watch keeps of each job's log, and when it is whole (issue 16 item 4)."""

from dockwright.wizard.job_logs import JobLogs, decode_tail


def test_streamed_text_becomes_complete_with_the_fetch_after_the_end():
    logs = JobLogs()
    logs.add(1, "line 1\n", finished=False)
    assert not logs.complete(1)
    logs.add(1, "line 2\nJob succeeded\n", finished=True)
    assert logs.complete(1) and logs.text(1) == "line 1\nline 2\nJob succeeded\n"


def test_restart_forgets_so_the_log_comes_again_from_its_start():
    logs = JobLogs()
    logs.add(1, "part\n", finished=True)
    logs.restart(1)
    assert logs.text(1) == "" and not logs.complete(1)


def test_a_fetched_log_is_complete_and_bounded_from_a_line_start():
    logs = JobLogs(keep=20)
    text = logs.fetched(2, b"".join(b"line %d\n" % i for i in range(10)))
    assert logs.complete(2) and logs.cut(2)
    assert text.startswith("line ") and text.endswith("line 9\n") and len(text) <= 20


def test_streamed_text_is_bounded_too():
    logs = JobLogs(keep=30)
    for i in range(20):
        logs.add(3, f"streamed {i}\n", finished=False)
    assert logs.cut(3) and logs.text(3).startswith("streamed ") and len(logs.text(3)) <= 30


def test_decode_tail_keeps_a_split_character_readable():
    text, cut = decode_tail("é\n".encode() * 3, keep=100)
    assert text == "é\né\né\n" and not cut
    text, cut = decode_tail(b"\xc3" + b"\xa9tail\n", keep=6)
    assert cut and "tail" in text
