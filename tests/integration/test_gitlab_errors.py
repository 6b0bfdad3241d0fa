"""Every row of the error table, triggered for real: the sandbox over HTTP, a refused port, a bad host name,
a TLS server with a certificate nobody trusts. Each failure must arrive as a wizard error with its sentence,
its next step and its exit code, never as a python-gitlab or requests exception."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from pathlib import Path

import pytest

from dockwright.sandbox import Faults
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_BAD_INPUT, EXIT_GITLAB_REFUSED, EXIT_NETWORK, DockwrightError
from dockwright.wizard.gitlab import MAX_RETRIES, GitLabClient
from dockwright.wizard.plan import VariableSpec

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it


@pytest.fixture(autouse=True)
def _no_faults(sb):
    sb.set_faults(Faults())
    yield
    sb.set_faults(Faults())


def fails(fn, *args, **kwargs) -> DockwrightError:
    with pytest.raises(DockwrightError) as info:
        fn(*args, **kwargs)
    err = info.value
    assert err.sentence and err.next_step, "every error says what happened and what to do"
    assert "{" not in str(err)
    return err


def count_attempts(client: GitLabClient) -> list[str]:
    """Each HTTP attempt the client makes (the real request still goes out), to tell retried from not."""
    session = client._gl.session
    real = session.request
    attempts: list[str] = []

    def counted(method, url, *args, **kwargs):
        attempts.append(f"{method} {url}")
        return real(method, url, *args, **kwargs)

    session.request = counted
    return attempts


def test_unknown_token_is_401_token_invalid(sb):
    client = GitLabClient.connect(sb.url, Secret("glpat-not-a-real-token-000"))
    err = fails(client.check_access, sb.project_path)
    assert err.code == "token_invalid" and err.exit_code == EXIT_GITLAB_REFUSED
    assert "glpat-not-a-real" not in str(err)


def test_expired_token_says_expired(sb):
    client = GitLabClient.connect(sb.url, sb.create_token(scopes=("api",), expired=True))
    err = fails(client.check_access, sb.project_path)
    assert err.code == "token_expired" and "expired" in err.sentence


def test_revoked_token_says_revoked(sb):
    client = GitLabClient.connect(sb.url, sb.create_token(scopes=("api",), revoked=True))
    err = fails(client.find_variable, sb.project_path, "X")
    assert err.code == "token_revoked" and "revoked" in err.sentence


def test_missing_scope_names_the_scope(sb):
    client = GitLabClient.connect(sb.url, sb.create_token(scopes=("read_api",)))
    err = fails(client.upsert_variable, sb.project_path, VariableSpec(key="SCOPE_TEST"), Secret("value-1234"))
    assert err.code == "scope_missing" and "`api`" in err.sentence and err.exit_code == EXIT_GITLAB_REFUSED


def test_check_access_reports_a_token_without_api_scope(sb):
    client = GitLabClient.connect(sb.url, sb.create_token(scopes=("read_api",)))
    report = client.check_access(sb.project_path)
    assert report.scopes == ("read_api",)
    assert any("`api`" in p for p in report.problems)


def test_unknown_project_is_project_not_found(sb):
    client = GitLabClient.connect(sb.url, sb.token)
    err = fails(client.check_access, "nobody/nothing")
    assert err.code == "project_not_found" and "nobody/nothing" in err.sentence
    assert "gitlab.project" in err.next_step


def test_value_gitlab_cannot_mask_is_400_variable_rules(sb):
    client = GitLabClient.connect(sb.url, sb.token)
    # wizard.variables refuses this before sending; here GitLab's own check is what is tested
    err = fails(client.upsert_variable, sb.project_path, VariableSpec(key="MASK_TEST", masked=True), Secret("short"))
    assert err.code == "variable_rules" and err.exit_code == EXIT_BAD_INPUT
    assert "value" in err.sentence


def test_same_key_in_two_scopes_without_filter_is_409_scope_ambiguous(sb):
    client = GitLabClient.connect(sb.url, sb.token)
    client.upsert_variable(sb.project_path, VariableSpec(key="TWO_SCOPES"), Secret("one"))
    client.upsert_variable(sb.project_path, VariableSpec(key="TWO_SCOPES", environment_scope="production"),
                           Secret("two"))
    err = fails(client.get_variable, sb.project_path, "TWO_SCOPES")
    assert err.code == "scope_ambiguous" and "environment_scope" in err.next_step
    assert client.get_variable(sb.project_path, "TWO_SCOPES", "production")["value"] == "two"


def test_server_errors_after_retries_are_5xx_network(sb):
    sb.set_faults(Faults(error_rate=1.0))
    client = GitLabClient.connect(sb.url, sb.token)
    attempts = count_attempts(client)
    err = fails(client.find_variable, sb.project_path, "X")
    assert err.code == "server_error" and err.exit_code == EXIT_NETWORK
    assert len(attempts) == 1 + MAX_RETRIES  # a 5xx may pass: retried
    assert "50" in err.sentence


def test_some_server_errors_are_retried_away(sb):
    sb.set_faults(Faults(error_rate=0.4, seed=3))
    client = GitLabClient.connect(sb.url, sb.token)
    client.upsert_variable(sb.project_path, VariableSpec(key="FLAKY"), Secret("flaky-value"))
    sb.set_faults(Faults())
    assert client.get_variable(sb.project_path, "FLAKY", "*")["value"] == "flaky-value"


def test_dropped_connections_are_retried_then_reported(sb):
    sb.set_faults(Faults(drop_rate=0.4, seed=5))
    client = GitLabClient.connect(sb.url, sb.token)
    assert client.check_access(sb.project_path).project_path == sb.project_path
    sb.set_faults(Faults(drop_rate=1.0))
    attempts = count_attempts(client)
    err = fails(client.find_variable, sb.project_path, "X")
    assert err.code == "connection_dropped" and err.exit_code == EXIT_NETWORK
    assert len(attempts) == 1 + MAX_RETRIES  # a dropped connection may pass: retried


def test_latency_is_tolerated(sb):
    sb.set_faults(Faults(latency=0.05))
    client = GitLabClient.connect(sb.url, sb.token)
    assert client.check_access(sb.project_path).username == "root"


def test_too_slow_answers_are_a_timeout(sb):
    sb.set_faults(Faults(latency=1.0))
    client = GitLabClient.connect(sb.url, sb.token, timeout=0.1)
    err = fails(client.find_variable, sb.project_path, "X")
    assert err.code == "timeout" and err.exit_code == EXIT_NETWORK


def test_rate_limit_beyond_the_wait_cap_is_429_rate_limited(sb):
    client = GitLabClient.connect(sb.url, sb.token, max_rate_limit_wait=0.5)
    sb.set_faults(Faults(rate_limit_per_minute=2))
    client.find_variable(sb.project_path, "X")  # 1 request
    client.find_variable(sb.project_path, "X")  # 2
    err = fails(client.find_variable, sb.project_path, "X")
    assert err.code == "rate_limited" and err.exit_code == EXIT_NETWORK
    assert "asked for" in err.sentence  # the Retry-After GitLab sent is reported
    assert 0.5 < err.retry_after <= 60  # and handed on, so a watch can wait that long


def test_connection_refused(tmp_path):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago and has nobody listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = GitLabClient.connect(f"http://127.0.0.1:{port}", "x", timeout=2)
    attempts = count_attempts(client)
    err = fails(client.check_access, "a/b")
    assert err.code == "connection_refused" and err.exit_code == EXIT_NETWORK
    assert len(attempts) == 1  # nobody listens: no retry, the sentence comes at once


def test_unknown_host_is_dns():
    client = GitLabClient.connect("http://gitlab.example.invalid", "x", timeout=2)
    attempts = count_attempts(client)
    err = fails(client.check_access, "a/b")
    assert err.code == "dns" and "gitlab.example.invalid" in err.sentence
    assert len(attempts) == 1  # the name will not resolve on a second try either


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 with a self-signed certificate (made with openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = b'{"message":"401 Unauthorized"}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", Path(cert)
    server.shutdown()
    server.server_close()


def test_untrusted_certificate_is_tls(tls_server):
    url, _cert = tls_server
    client = GitLabClient.connect(url, "x", timeout=5)
    attempts = count_attempts(client)
    err = fails(client.check_access, "a/b")
    assert err.code == "tls" and "--ca-file" in err.next_step
    assert len(attempts) == 1  # the certificate stays untrusted: no retry


def test_ca_file_trusts_the_private_ca(tls_server):
    url, cert = tls_server
    err = fails(GitLabClient.connect(url, "x", ca_file=str(cert), timeout=5).check_access, "a/b")
    assert err.code == "token_invalid"  # TLS passed; the fake server refuses the token


def test_insecure_skips_verification_with_a_loud_warning(tls_server):
    url, _cert = tls_server
    warned: list[str] = []
    client = GitLabClient.connect(url, "x", insecure=True, timeout=5, warn=warned.append)
    assert warned and "NOT checked" in warned[0] and "--ca-file" in warned[0]
    assert fails(client.check_access, "a/b").code == "token_invalid"


def test_other_400_is_bad_request_with_gitlabs_words(sb):
    client = GitLabClient.connect(sb.url, sb.token)
    err = fails(client.create_branch, sb.project_path, "from-nowhere", "no-such-ref")
    assert err.code == "bad_request" and err.exit_code == EXIT_BAD_INPUT
    assert "Invalid reference name: no-such-ref" in err.sentence


def test_other_404_is_not_found_naming_the_action(sb):
    client = GitLabClient.connect(sb.url, sb.token)
    err = fails(client.get_job, sb.project_path, 999999)
    assert err.code == "not_found" and "read the job" in err.sentence
