"""The text programs job scripts pipe through: ``printf`` (bash's builtin), ``base64`` and ``tr`` (GNU coreutils).

They are what the BuildKit job's credentials line needs (``$(printf '%s:%s' "$USER" "$PASSWORD" | base64 |
tr -d '\\n')``, written into ``~/.docker/config.json``), played as the real programs behave: ``base64`` wraps its
output at 76 columns and ends it with a newline, ``tr -d '\\n'`` removes those newlines. An option the sandbox does
not know is refused with the program's usage error rather than guessed.
"""

from __future__ import annotations

import base64
import binascii
import re

from dockwright.sandbox.shell_io import CommandResult, Handler, Invocation

__all__ = ["TEXT_COMMANDS"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _printf(inv: Invocation) -> CommandResult:
    argv = inv.argv
    if len(argv) < 2:
        return CommandResult(2).err("printf: usage: printf [-v var] format [arguments]\n")
    fmt, args = argv[1], argv[2:]
    fmt = fmt.replace("\\n", "\n").replace("\\t", "\t")
    slots = len(re.findall(r"%[sd]", fmt))
    out = ""
    while True:
        chunk, args_used = fmt, args[:slots] if slots else []
        for arg in args_used:
            slot = re.search(r"%[sd]", chunk)
            chunk = chunk[:slot.start()] + arg + chunk[slot.end():] if slot else chunk
        chunk = re.sub(r"%[sd]", "", chunk).replace("%%", "%")
        out += chunk
        args = args[slots:] if slots else []
        if not args:
            break
    return CommandResult().out(out)


def _base64(inv: Invocation) -> CommandResult:
    """GNU base64: encode stdin (wrapped at 76 columns, ``-w 0`` for none), or ``-d`` decode it."""
    args, decode, wrap = inv.argv[1:], False, 76
    while args:
        arg = args.pop(0)
        if arg in ("-d", "--decode"):
            decode = True
        elif arg in ("-w", "--wrap") and args and args[0].isdigit():
            wrap = int(args.pop(0))
        elif arg.startswith("-w") and arg[2:].isdigit():
            wrap = int(arg[2:])
        elif arg.startswith("--wrap=") and arg[7:].isdigit():
            wrap = int(arg[7:])
        elif arg == "-":
            continue
        else:  # a file name or an option the sandbox does not play
            return CommandResult(1).err(f"base64: the sandbox reads stdin only, not {arg!r}\n"
                                        "Try 'base64 --help' for more information.\n")
    data = inv.stdin.encode()
    if decode:
        try:
            return CommandResult().out(base64.b64decode("".join(inv.stdin.split()), validate=True).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            return CommandResult(1).err("base64: invalid input\n")
    text = base64.b64encode(data).decode()
    if wrap:
        text = "\n".join(text[i:i + wrap] for i in range(0, len(text), wrap))
    return CommandResult().out(text + "\n" if text and wrap else text)  # -w 0: no newline at all


def _tr_set(spec: str) -> str:
    """A ``tr`` set: backslash escapes (``\\n``, ``\\t``, ``\\\\``) and ranges (``a-z``)."""
    chars: list[str] = []
    i = 0
    while i < len(spec):
        c = spec[i]
        if c == "\\" and i + 1 < len(spec):
            chars.append(_ESCAPES.get(spec[i + 1], spec[i + 1]))
            i += 2
            continue
        if i + 2 < len(spec) and spec[i + 1] == "-" and ord(spec[i + 2]) >= ord(c):
            chars.extend(chr(o) for o in range(ord(c), ord(spec[i + 2]) + 1))
            i += 3
            continue
        chars.append(c)
        i += 1
    return "".join(chars)


def _tr(inv: Invocation) -> CommandResult:
    """GNU tr: ``tr -d SET`` deletes, ``tr SET1 SET2`` translates (SET2's last character repeats)."""
    args = inv.argv[1:]
    if args and args[0] == "-d":
        if len(args) != 2:
            return CommandResult(1).err("tr: missing operand\nTry 'tr --help' for more information.\n")
        drop = set(_tr_set(args[1]))
        return CommandResult().out("".join(c for c in inv.stdin if c not in drop))
    if len(args) != 2 or args[0].startswith("-"):
        return CommandResult(1).err("tr: missing operand\nTry 'tr --help' for more information.\n")
    source, target = _tr_set(args[0]), _tr_set(args[1])
    if not target:
        return CommandResult(1).err("tr: when not truncating set1, string2 must be non-empty\n")
    target += target[-1] * max(0, len(source) - len(target))
    return CommandResult().out(inv.stdin.translate(str.maketrans(source, target[:len(source)])))


TEXT_COMMANDS: dict[str, Handler] = {"printf": _printf, "base64": _base64, "tr": _tr}
