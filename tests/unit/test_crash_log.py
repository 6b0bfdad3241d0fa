"""The crash log's scrubbing: no token or secret value survives, the rest of the log stays readable."""

from __future__ import annotations

from dockwright.wizard.crash import scrub, write_crash_log


def test_known_secrets_and_token_shaped_words_are_replaced():
    text = ("sent glpat-AbCdEf0123456789xyz to https://x, runner glrt-t1_Zz9Yy8Xx7Ww6, registration "
            "GR1348941aBcDeFgHiJkLm, typed hunter2hunter2 and abc; a glossy-word stays")
    out = scrub(text, ["hunter2hunter2", "abc", ""])
    assert "glpat-" not in out and "glrt-" not in out and "GR1348941" not in out and "hunter2" not in out
    assert out.count("****") == 4
    assert "and abc;" in out and "glossy-word" in out  # too short to be a secret; not a token's shape


def test_a_longer_secret_is_replaced_before_one_it_contains():
    assert scrub("value supersecret123", ["secret123", "supersecret123"]) == "value ****"


def test_the_log_holds_the_chained_traceback_without_the_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    try:
        try:
            raise KeyError("s3cr3t-value")
        except KeyError as inner:
            raise RuntimeError("while handling s3cr3t-value") from inner
    except RuntimeError as error:
        path = write_crash_log(error, ["s3cr3t-value"], context="step shown: registry")
    text = path.read_text()
    assert path.parent == tmp_path / "dockwright" and path.name.startswith("crash-")
    assert "KeyError" in text and "RuntimeError: while handling ****" in text and "step shown: registry" in text
    assert "s3cr3t" not in text


def test_the_crash_sentence_names_the_log_when_the_token_is_a_secret(tmp_path, monkeypatch):
    """The wizard holds its token as a Secret: the log was lost to "replace() argument 1 must be str"."""
    from types import SimpleNamespace

    from dockwright.screens.crash import record_crash
    from dockwright.wizard.credentials import Secret
    from dockwright.wizard.plan import Plan

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    services = SimpleNamespace(token=Secret("glpat-notarealtoken1234"), registration_token=None, secrets={})
    app = SimpleNamespace(services=services, plan=Plan(), answers_changed=False, current_step="connect")
    try:
        raise TypeError("while using glpat-notarealtoken1234")
    except TypeError as error:
        sentence = record_crash(app, error)
    assert "the full traceback is in" in sentence, sentence
    log = next((tmp_path / "dockwright").glob("crash-*.log"))
    assert "notarealtoken" not in log.read_text()
