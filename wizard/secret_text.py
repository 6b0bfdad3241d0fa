"""Recognising tokens in text, so that no message, traceback or echo ever shows one.

- :func:`remember`: a secret value this process holds (every :class:`~dockwright.wizard.credentials.Secret`
  registers its value); :func:`scrub` then hides it wherever it turns up.
- :func:`scrub`: text with every remembered secret, and every GitLab-, GitHub- or AWS-shaped token, as ``****``.
  :class:`~dockwright.wizard.errors.DockwrightError` scrubs its sentences; the crash handlers scrub tracebacks.
- :func:`looks_like_token`: a value shaped like a token (a known prefix, or a long mix of upper and lower case
  letters and digits); :func:`shown` is what an error may echo of a value: its repr, or a phrase instead.

No import from dockwright: errors.py, credentials.py and plan.py all use it.
"""

from __future__ import annotations

import re

# GitLab's token prefixes (doc/security/tokens: "Token prefixes"), GitLab's runner registration token
# prefix, and the common GitHub and AWS shapes, since those too end up pasted into the wrong field.
_PREFIXED = (r"(?:glpat|gloas|gldt|glrt|glrtr|glcbt|glptt|glft|glimt|glagent|glsoat|glffct|glwt|gltst)-"
             r"[A-Za-z0-9_.\-]{8,}|GR1348941[A-Za-z0-9_\-]{8,}|(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}"
             r"|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}")
TOKEN_RE = re.compile(rf"(?<![A-Za-z0-9])(?:{_PREFIXED})")
_MASK = "****"
_MIN_REMEMBERED = 8  # shorter values would blank out ordinary words (tokens are 20+)

_remembered: set[str] = set()


def remember(value: str) -> None:
    """Hide ``value`` (and each of its lines) in everything :func:`scrub` sees from now on."""
    if len(value) >= _MIN_REMEMBERED:
        _remembered.add(value)
        for part in re.split(r"[\s\x00-\x1f\x7f]+", value):
            if len(part) >= _MIN_REMEMBERED:
                _remembered.add(part)


def scrub(text: str) -> str:
    """``text`` with remembered secrets and token-shaped words replaced by ``****``."""
    for value in sorted(_remembered, key=len, reverse=True):
        if value in text:
            text = text.replace(value, _MASK)
    return TOKEN_RE.sub(_MASK, text)


def looks_like_token(value: object) -> bool:
    """Whether ``value`` is shaped like a token: a known prefix; or 20+ characters without spaces that mix
    upper case, lower case and digits; or 32+ hexadecimal digits."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if TOKEN_RE.search(text):
        return True
    if re.fullmatch(r"[0-9a-fA-F]{32,}", text):
        return True
    return (len(text) >= 20 and re.fullmatch(r"[A-Za-z0-9_+/=.\-]+", text) is not None
            and any(c.isdigit() for c in text) and any(c.islower() for c in text) and any(c.isupper() for c in text))


def _holds_token(value: object) -> bool:
    if isinstance(value, dict):
        return any(_holds_token(k) or _holds_token(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return any(_holds_token(v) for v in value)
    return looks_like_token(value)


def shown(value: object) -> str:
    """How an error message may show ``value``: quoted (escaped when it holds control characters), unless
    it looks like a token or holds one."""
    if _holds_token(value):
        return "(a value that looks like a token, not shown)"
    if isinstance(value, str) and value.isprintable() and "'" not in value:
        return scrub(f"'{value}'")
    return scrub(repr(value))
