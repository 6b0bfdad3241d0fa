"""The requests session dockwright hands python-gitlab, and the names of network failures.

python-gitlab retries a ``requests.ConnectionError``; an unknown host, an untrusted certificate or a refused
connection fail the same way however often they are tried, so :class:`FailFastSession` turns them into
:class:`PermanentNetworkFailure` at once. :func:`network_code` names a failure for wizard.errors.
No python-gitlab here: wizard/gitlab.py is the only module that imports it.
"""

from __future__ import annotations

from typing import Any

import requests


class PermanentNetworkFailure(requests.exceptions.RequestException):
    """A connection failure that a retry cannot mend; ``original`` is what requests raised.

    It is deliberately not a ``requests.ConnectionError``, the class python-gitlab retries."""

    def __init__(self, original: requests.exceptions.RequestException) -> None:
        super().__init__(str(original))
        self.original = original


class FailFastSession(requests.Session):
    """A requests session that lets python-gitlab retry only what a retry can mend: an unknown host,
    an untrusted certificate or a refused connection leave as :class:`PermanentNetworkFailure`."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        try:
            return super().request(*args, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            if network_code(exc) in PERMANENT_NETWORK_FAILURES:
                raise PermanentNetworkFailure(exc) from exc
            raise


def network_code(exc: BaseException) -> tuple[str, str]:
    text = repr(exc)
    low = text.lower()
    if any(s in low for s in ("wrong version number", "record layer failure", "unknown protocol",
                              "http_request", "packet length too long")):
        return "tls_plain_http", ""  # https:// to a port that speaks plain HTTP
    if isinstance(exc, requests.exceptions.SSLError) or "certificate" in low or "ssl" in low:
        reason = "certificate verify failed" if "verify failed" in low else "TLS handshake failed"
        return "tls", reason
    if isinstance(exc, requests.exceptions.Timeout):
        return "timeout", ""
    if ("name or service not known" in low or "nodename nor servname" in low or "failed to resolve" in low
            or "name resolution" in low or "getaddrinfo" in low):
        return "dns", ""
    if "connection refused" in low or "errno 111" in low:
        return "connection_refused", ""
    return "connection_dropped", ""


# (code, detail) pairs of network_code that fail the same way however often they are tried
PERMANENT_NETWORK_FAILURES = (("dns", ""), ("tls", "certificate verify failed"), ("connection_refused", ""),
                              ("tls_plain_http", ""))
