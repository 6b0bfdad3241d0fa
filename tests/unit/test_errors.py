"""The error table: every documented GitLab error body lands on its row, and docs/errors.md shows every row."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwright.wizard.errors import (
    ERROR_TABLE,
    EXIT_BAD_INPUT,
    EXIT_GITLAB_REFUSED,
    EXIT_NETWORK,
    classify_http,
    gitlab_error,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "errors.md"

# Bodies as GitLab sends them (gitlab-api/NOTES.md, lib/api/api_guard.rb, the variables doc).
CASES = [
    (401, {"message": "401 Unauthorized"}, "token_invalid", EXIT_GITLAB_REFUSED),
    (401, {"error": "invalid_token", "error_description": "Token is expired. You can either do re-authorization "
           "or token refresh."}, "token_expired", EXIT_GITLAB_REFUSED),
    (401, {"error": "invalid_token", "error_description": "Token was revoked. You have to re-authorize from the "
           "user."}, "token_revoked", EXIT_GITLAB_REFUSED),
    (403, {"error": "insufficient_scope", "error_description": "The request requires higher privileges than "
           "provided by the access token.", "scope": "api"}, "scope_missing", EXIT_GITLAB_REFUSED),
    (403, {"message": "403 Forbidden"}, "role_too_low", EXIT_GITLAB_REFUSED),
    (404, {"message": "404 Project Not Found"}, "project_not_found", EXIT_GITLAB_REFUSED),
    (404, {"message": "404 Variable Not Found"}, "not_found", EXIT_GITLAB_REFUSED),
    (400, {"message": {"value": ["is invalid"]}}, "variable_rules", EXIT_BAD_INPUT),
    (400, {"message": {"key": ["can contain only letters, digits and '_'."]}}, "variable_rules", EXIT_BAD_INPUT),
    (400, {"message": {"base": ["The visibility setting cannot be changed for masked and hidden variables."]}},
     "hidden_visibility", EXIT_GITLAB_REFUSED),
    (400, {"error": "content is missing"}, "bad_request", EXIT_BAD_INPUT),
    (409, {"message": "There are multiple variables with provided parameters. Please use "
           "'filter[environment_scope]'"}, "scope_ambiguous", EXIT_GITLAB_REFUSED),
    (410, {"message": "410 Gone - runner registration disallowed"}, "registration_disabled", EXIT_GITLAB_REFUSED),
    (429, "Retry later", "rate_limited", EXIT_NETWORK),
    (429, {"message": {"error": "This endpoint has been requested too many times. Try again later."}},
     "rate_limited", EXIT_NETWORK),
    (500, {"message": "500 Internal Server Error"}, "server_error", EXIT_NETWORK),
    (503, "Service Unavailable", "server_error", EXIT_NETWORK),
    # not GitLab at all: a web server's page where GitLab's JSON belongs (a wrong --url)
    (404, "<!DOCTYPE HTML>\n<html lang=\"en\">\n<head><title>Error response</title></head>\n<body></body>\n</html>\n",
     "not_gitlab", EXIT_BAD_INPUT),
    (401, b"<html><head><title>401 Authorization Required</title></head><body></body></html>", "not_gitlab",
     EXIT_BAD_INPUT),
    (502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "server_error", EXIT_NETWORK),  # a proxy: GitLab's down
]


@pytest.mark.parametrize("status,body,code,exit_code", CASES)
def test_every_documented_body_lands_on_its_row(status: int, body: object, code: str, exit_code: int) -> None:
    got, facts = classify_http(status, body)
    assert got == code
    err = gitlab_error(got, url="https://gitlab.example.com", project="grp/app", action="set a variable", **facts)
    assert err.exit_code == exit_code
    assert err.sentence and err.next_step and "{" not in str(err)


def test_scope_sentence_names_the_missing_scope() -> None:
    code, facts = classify_http(403, {"error": "insufficient_scope", "scope": "create_runner"})
    err = gitlab_error(code, action="create a runner", **facts)
    assert "`create_runner`" in err.sentence and "Access tokens" in err.next_step


def test_role_sentence_names_the_role_and_where_to_fix_it() -> None:
    code, facts = classify_http(403, {"message": "403 Forbidden"})
    err = gitlab_error(code, project="grp/app", action="set CI/CD variables", role="Maintainer", **facts)
    assert "grp/app" in err.sentence and "Maintainer" in err.sentence and "Members" in err.next_step


def test_registration_disabled_explains_17_0_and_the_new_workflow() -> None:
    err = gitlab_error("registration_disabled", url="https://gitlab.example.com")
    assert "17.0" in err.sentence and "authentication-token" in err.next_step


def test_variable_detail_is_shown() -> None:
    code, facts = classify_http(400, {"message": {"value": ["is invalid"]}})
    assert "value is invalid" in gitlab_error(code, **facts).sentence


def test_every_row_formats_with_no_facts_at_all() -> None:
    for code in ERROR_TABLE:
        err = gitlab_error(code)
        assert "{" not in str(err), code


def test_docs_errors_md_lists_every_row() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for code in ERROR_TABLE:
        assert f"`{code}`" in text, f"docs/errors.md misses {code}"


def test_a_web_page_is_never_shown_raw() -> None:
    page = "<!DOCTYPE html>\n<html>\n" + "<p>line</p>\n" * 11 + "</html>\n"
    code, facts = classify_http(404, page)
    err = gitlab_error(code, url="http://127.0.0.1:8000", action="check who the token belongs to", **facts)
    assert "<" not in str(err) and "\n" not in str(err)
    assert "does not answer like GitLab's API" in err.sentence and "404 with a web page" in err.sentence
    code, facts = classify_http(418, "I'm a teapot\nwith\nlines")  # any other text: one line, never a block
    assert "\n" not in gitlab_error(code, **facts).sentence


def test_https_to_a_plain_http_port_is_named_and_not_retried() -> None:
    import requests

    from dockwright.wizard.gitlab_session import PERMANENT_NETWORK_FAILURES, network_code

    exc = requests.exceptions.SSLError("HTTPSConnectionPool(host='127.0.0.1', port=8929): Max retries exceeded "
                                       "(Caused by SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version "
                                       "number (_ssl.c:1006)')))")
    assert network_code(exc) == ("tls_plain_http", "")
    assert ("tls_plain_http", "") in PERMANENT_NETWORK_FAILURES
    assert "plain HTTP" in gitlab_error("tls_plain_http", url="https://127.0.0.1:8929").sentence
    verify = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    assert network_code(verify) == ("tls", "certificate verify failed")
