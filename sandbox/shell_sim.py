"""A small POSIX-ish interpreter for job scripts, as a runner's ``bash``/``sh`` would run them.

It plays what build-and-push scripts use: variable expansion (``$X``, ``${X}``, ``${X:-d}``,
``${X:0:8}``; an undefined variable is empty, and an unquoted empty expansion disappears, as in a real
shell), word splitting, single and double quotes, assignments, ``export``, ``unset``, ``cd``, ``pwd``,
``echo``, ``printf``, ``test``/``[`` on strings, ``true``, ``false``, ``exit``, pipes, ``&&``, ``||`` and
``;``, with the runner's ``set -eo pipefail``. Other programs (``docker``) are handlers the caller gives.

Output redirected to a file (``> report.xml``, ``>> log.txt``, ``2> err.txt``) is kept in the job's
workspace (:attr:`Shell.files`, shared by the job's shells), where ``artifacts:paths`` and
``artifacts:reports:junit`` find it; ``mkdir`` and ``touch`` work on that workspace too.

Command substitution ``$(...)`` runs its commands and gives their output (trailing newlines removed; an
assignment-only command such as ``out=$(aws ...)`` takes the substitution's exit status, as in bash).

Anything else (input redirections, backquotes, control flow, unknown programs) is printed as
``[sandbox] not executed: <command>`` and succeeds: the sandbox says what it did not run rather than
pretending (the line goes to the log even when the command's output is redirected).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field

STDOUT, STDERR = 1, 2
LOG = 3  # the sandbox's own remarks: always in the job log, never redirected or piped
NOT_EXECUTED = "[sandbox] not executed: "


@dataclass
class CommandResult:
    """What a command printed, in order, as (stream, text) chunks, and its exit status."""

    code: int = 0
    chunks: list[tuple[int, str]] = field(default_factory=list)

    def out(self, text: str) -> CommandResult:
        self.chunks.append((STDOUT, text))
        return self

    def err(self, text: str) -> CommandResult:
        self.chunks.append((STDERR, text))
        return self

    @property
    def stdout(self) -> str:
        return "".join(t for s, t in self.chunks if s == STDOUT)


@dataclass
class Invocation:
    """One program run by the script: its argv, stdin, environment and working directory."""

    argv: list[str]
    stdin: str
    env: Mapping[str, str]
    cwd: str


Handler = Callable[[Invocation], CommandResult]


class _Unsupported(Exception):
    pass


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_EXPANSION = re.compile(
    rf"^(?:(?P<plain>{_NAME}|[?$#@*0-9])"
    rf"|(?P<dname>{_NAME})(?P<dop>:-|-|:\+|\+)(?P<dword>.*)"
    rf"|(?P<sname>{_NAME}):(?P<off>\d+)(?::(?P<len>\d+))?"
    rf"|\#(?P<lname>{_NAME}))$",
    re.S,
)
_CONTROL_WORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
                  "function", "select", "{", "}"}


# What scripts use to silence, merge or keep output: `>/dev/null`, `2>/dev/null`, `2>&1`, `>&2`, and `> file`,
# `>> file` with a plain, quoted or $VARIABLE file name.
_REDIRECT = re.compile(r"([12]?)(>>?)(?:&([12])(?=[\s;|&]|$)|\s*(/dev/null)(?=[\s;|&]|$)"
                       r"|\s*(\"[^\"$`\\]*\"|'[^']*'|[A-Za-z0-9_./${}:+-]+)(?=[\s;|&]|$))")


@dataclass
class _Redirect:
    fd: int
    target: str  # "/dev/null", "&1", "&2", or ">name" / ">>name" for a file (name as written, unexpanded)
    end: int = 0  # where it ends in the line

    def __post_init__(self) -> None:
        if self.target in ("1", "2"):
            self.target = "&" + self.target


@dataclass
class _Word:
    parts: list[tuple[str, str]]  # (kind, text): lit | qlit (quoted literal) | uvar | qvar (inside quotes)
    start: int
    end: int


@dataclass
class _Simple:
    words: list[_Word]
    text: str
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (fd, _Redirect.target)


def _read_expansion(line: str, i: int) -> tuple[str, int]:
    """The expansion after the ``$`` at ``line[i]``: (inner text, index after it)."""
    nxt = line[i + 1] if i + 1 < len(line) else ""
    if nxt == "(":
        if line[i + 2:i + 3] == "(":
            raise _Unsupported("arithmetic expansion")
        end = _closing_paren(line, i + 2)
        return "(" + line[i + 2:end], end + 1  # "(" marks a command substitution for the tokenizer
    if nxt == "{":
        end = line.find("}", i + 2)
        if end < 0:
            raise _Unsupported("unterminated ${")
        inner = line[i + 2:end]
        if not _EXPANSION.match(inner):
            raise _Unsupported(f"${{{inner}}}")
        return inner, end + 1
    m = re.match(rf"{_NAME}|[?$#@*0-9]", line[i + 1:])
    if not m:
        return "", i  # a lone "$" is literal
    return m.group(0), i + 1 + m.end()


def _closing_paren(line: str, start: int) -> int:
    """The index of the ``)`` that closes a ``$(`` whose commands start at ``start`` (quotes and nesting skipped)."""
    depth, i, n = 1, start, len(line)
    while i < n:
        c = line[i]
        if c == "'":
            i = line.find("'", i + 1)
            if i < 0:
                break
        elif c == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif c == "\\":
            i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise _Unsupported("unterminated $(")


def _tokenize(line: str) -> list[_Word | _Redirect | str]:
    """Words and the operators ``|``, ``||``, ``&&``, ``;``. Raises _Unsupported for the rest."""
    tokens: list[_Word | _Redirect | str] = []
    word: _Word | None = None
    i, n = 0, len(line)

    def part(kind: str, text: str, at: int) -> None:
        nonlocal word
        if word is None:
            word = _Word([], at, at)
        word.parts.append((kind, text))

    def dollar(at: int, literal: str, variable: str) -> int:
        """A ``$`` at ``at``: an expansion as a ``variable`` part, a lone ``$`` as a ``literal`` one; the next index."""
        inner, after = _read_expansion(line, at)
        if after == at:
            part(literal, "$", at)
            return at + 1
        if inner.startswith("("):  # $(commands): "usub" unquoted, "qsub" in double quotes
            part("usub" if variable == "uvar" else "qsub", inner[1:], at)
            return after
        part(variable, inner, at)
        return after

    def end_word(at: int) -> None:
        nonlocal word
        if word is not None:
            word.end = at
            tokens.append(word)
            word = None

    while i < n:
        c = line[i]
        if c in " \t\n":
            end_word(i)
            i += 1
        elif c == "#" and word is None:
            break
        elif c in "|&;":
            end_word(i)
            two = line[i:i + 2]
            if two in ("||", "&&"):
                tokens.append(two)
                i += 2
            elif c == "&":
                raise _Unsupported("background job")
            else:
                tokens.append(c)
                i += 1
        elif c == ">" or (c in "12" and word is None and line[i + 1:i + 2] == ">"):
            m = _REDIRECT.match(line, i)
            if m is None:
                raise _Unsupported("redirection to a file")
            end_word(i)
            target = m.group(3) or m.group(4) or m.group(2) + m.group(5)
            tokens.append(_Redirect(int(m.group(1) or 1), target, m.end()))
            i = m.end()
        elif c in "<>()`":
            raise _Unsupported(c)
        elif c == "\\":
            if i + 1 < n:
                part("qlit", line[i + 1], i)
            i += 2
        elif c == "'":
            end = line.find("'", i + 1)
            if end < 0:
                raise _Unsupported("unterminated quote")
            part("qlit", line[i + 1:end], i)
            i = end + 1
        elif c == '"':
            j = i + 1
            part("qlit", "", i)  # "" is an (empty) argument
            while True:
                if j >= n:
                    raise _Unsupported("unterminated quote")
                d = line[j]
                if d == '"':
                    j += 1
                    break
                if d == "\\" and j + 1 < n and line[j + 1] in '$`"\\\n':
                    part("qlit", line[j + 1], j)
                    j += 2
                elif d == "`":
                    raise _Unsupported("command substitution")
                elif d == "$":
                    j = dollar(j, "qlit", "qvar")
                else:
                    part("qlit", d, j)
                    j += 1
            i = j
        elif c == "$":
            i = dollar(i, "lit", "uvar")
        else:
            part("lit", c, i)
            i += 1
    end_word(n)
    return tokens


def _parse(line: str) -> list[list[tuple[str, list[_Simple]]]]:
    """``;``-separated lists of and-or lists: [(operator before, pipeline of simple commands)]."""
    tokens = _tokenize(line)
    lists: list[list[tuple[str, list[_Simple]]]] = []
    current: list[tuple[str, list[_Simple]]] = []
    pipeline: list[_Simple] = []
    words: list[_Word] = []
    redirects: list[tuple[int, str]] = []
    redirect_end = 0
    op_before = ""

    def close_simple() -> None:
        nonlocal words, redirect_end
        if not words:
            raise _Unsupported("empty command")
        if not pipeline and not current and isinstance(words[0], _Word):
            first = "".join(t for k, t in words[0].parts if k in ("lit", "qlit"))
            if first in _CONTROL_WORDS and all(k == "lit" for k, _ in words[0].parts):
                raise _Unsupported(first)
        end = max(words[-1].end, redirect_end)
        pipeline.append(_Simple(words, line[words[0].start:end].strip(), list(redirects)))
        words = []
        redirects.clear()
        redirect_end = 0

    for tok in tokens:
        if isinstance(tok, _Redirect):
            if not words:
                raise _Unsupported("redirection before the command")
            redirects.append((tok.fd, tok.target))
            redirect_end = tok.end
        elif isinstance(tok, _Word):
            words.append(tok)
        elif tok == "|":
            close_simple()
        elif tok in ("&&", "||"):
            close_simple()
            current.append((op_before, pipeline))
            pipeline, op_before = [], tok
        else:  # ";"
            if not words and not pipeline and not current:
                continue
            close_simple()
            current.append((op_before, pipeline))
            lists.append(current)
            current, pipeline, op_before = [], [], ""
    if words or pipeline or op_before:
        close_simple()
        current.append((op_before, pipeline))
    if current:
        lists.append(current)
    return lists


def _multiline_control(lines: list[str]) -> bool:
    for line in lines:
        stripped = line.strip()
        first = stripped.split(None, 1)[0] if stripped else ""
        if first in _CONTROL_WORDS or "<<" in stripped or re.match(rf"{_NAME}\s*\(\)", stripped):
            return True
    return False


def _logical_lines(entry: str) -> list[str]:
    return entry.replace("\\\n", "").split("\n")


class Shell:
    """One shell session of a job: its variables, working directory and the programs it can run.

    ``commands`` maps a program name (``docker``) to a handler; a name missing from it prints
    ``[sandbox] not executed``. ``run(entry)`` plays one script entry and returns its exit status
    (``set -eo pipefail``: the first failing command ends the entry).
    """

    def __init__(self, env: Mapping[str, str], *, cwd: str, commands: Mapping[str, Handler] | None = None,
                 name: str = "bash", files: dict[str, str] | None = None) -> None:
        self.env: dict[str, str] = dict(env)
        self.cwd = cwd
        self.files: dict[str, str] = files if files is not None else {}  # absolute path -> text written
        self.commands = dict(commands or {})
        self.name = name
        self.status = 0
        self.exited = False
        self._said: list[str] = []  # what command substitutions printed to the log (stderr), shown before the command
        self._sub_status: int | None = None  # the last command substitution's status, for an assignment-only command

    # -- expansion --------------------------------------------------------------------------------
    def _value(self, inner: str) -> str:
        m = _EXPANSION.match(inner)
        if m is None:  # validated when tokenizing
            return ""
        if m.group("plain"):
            name = m.group("plain")
            if name == "?":
                return str(self.status)
            if name == "$":
                return "42"
            if name == "#":
                return "0"
            return self.env.get(name, "")
        if m.group("dname"):
            name, op, word = m.group("dname"), m.group("dop"), m.group("dword")
            value = self.env.get(name)
            word = self._expand_simple(word)
            if op == ":-":
                return value if value else word
            if op == "-":
                return value if value is not None else word
            if op == ":+":
                return word if value else ""
            return word if value is not None else ""
        if m.group("sname"):
            value = self.env.get(m.group("sname"), "")
            off = int(m.group("off"))
            length = m.group("len")
            return value[off:off + int(length)] if length is not None else value[off:]
        return str(len(self.env.get(m.group("lname"), "")))

    def _substitute(self, commands: str) -> str:
        """``$(commands)``: run them in a subshell (its assignments stay there) and return their output."""
        sub = Shell(self.env, cwd=self.cwd, commands=self.commands, name=self.name, files=self.files)
        sub.capture = []
        said = list(sub.run(commands))
        self._said += said
        self._sub_status = sub.status
        return "".join(sub.capture).rstrip("\n")

    capture: list[str] | None = None  # a command substitution's shell: its stdout is kept here, not printed

    def _part_value(self, kind: str, text: str) -> str:
        return self._substitute(text) if kind in ("usub", "qsub") else self._value(text)

    def _expand_simple(self, text: str) -> str:
        text = text.strip("\"'")
        return re.sub(rf"\$(?:\{{({_NAME})\}}|({_NAME}))",
                      lambda m: self.env.get(m.group(1) or m.group(2), ""), text)

    def _fields(self, word: _Word) -> list[str]:
        """A word after expansion and word splitting: zero, one or several arguments."""
        fields: list[str] = []
        current: str | None = None
        for kind, text in word.parts:
            if kind in ("lit", "qlit"):
                current = (current or "") + text
            elif kind in ("qvar", "qsub"):
                current = (current or "") + self._part_value(kind, text)
            else:  # unquoted expansion: split on blanks, empty pieces vanish
                value = self._part_value(kind, text)
                pieces = value.split()
                if not pieces:
                    if value and current is not None:
                        fields.append(current)
                        current = None
                    continue
                if value[:1].isspace() and current is not None:
                    fields.append(current)
                    current = None
                current = (current or "") + pieces[0]
                for piece in pieces[1:]:
                    fields.append(current)
                    current = piece
                if value[-1:].isspace():
                    fields.append(current)
                    current = None
        if current is not None:
            fields.append(current)
        return fields

    def _assignment(self, word: _Word) -> tuple[str, str] | None:
        if not word.parts or word.parts[0][0] != "lit":
            return None
        lits = ""
        for kind, text in word.parts:
            if kind != "lit":
                break
            lits += text
        m = re.match(rf"({_NAME})=", lits)
        if not m:
            return None
        name = m.group(1)
        value, skip = "", len(name) + 1
        for kind, text in word.parts:
            if skip:
                take = min(skip, len(text))
                text, skip = text[take:], skip - take
                if not text:
                    continue
            value += self._part_value(kind, text) if kind in ("uvar", "qvar", "usub", "qsub") else text
        return name, value

    # -- running ----------------------------------------------------------------------------------
    def run(self, entry: str) -> Generator[str, None, int]:
        """Play one script entry (one or more lines); yields what it prints; returns its status."""
        lines = _logical_lines(entry)
        if _multiline_control(lines):
            yield f"{NOT_EXECUTED}{entry.strip()}\n"
            self.status = 0
            return 0
        for line in lines:
            if not line.strip():
                continue
            try:
                parsed = _parse(line)
            except _Unsupported:
                yield f"{NOT_EXECUTED}{line.strip()}\n"
                self.status = 0
                continue
            try:
                for and_or in parsed:
                    status, errexit = yield from self._and_or(and_or)
                    if status != 0 and errexit:
                        return status
            except _Exit as stop:
                self.exited = True
                self.status = stop.code
                return stop.code
        return self.status

    def _and_or(self, and_or: list[tuple[str, list[_Simple]]]) -> Generator[str, None, tuple[int, bool]]:
        ran_last = False
        for index, (op, pipeline) in enumerate(and_or):
            if op == "&&" and self.status != 0:
                continue
            if op == "||" and self.status == 0:
                continue
            self.status = yield from self._pipeline(pipeline)
            ran_last = index == len(and_or) - 1
        return self.status, ran_last

    def path(self, name: str) -> str:
        """A file name as the shell resolves it: relative to the working directory, normalised."""
        return posixpath.normpath(posixpath.join(self.cwd, name))

    def _file_target(self, target: str) -> str:
        """``>name``/``>>name``: the file's absolute path (opened: truncated for ``>``), as a stream key."""
        append = target.startswith(">>")
        name = self._expand_simple(target.lstrip(">"))
        path = self.path(name)
        if not append or path not in self.files:
            self.files[path] = ""
        return path

    def _pipeline(self, pipeline: list[_Simple]) -> Generator[str, None, int]:
        stdin, status = "", 0
        for index, simple in enumerate(pipeline):
            last = index == len(pipeline) - 1
            result = self._simple(simple, stdin)
            said, self._said = self._said, []
            yield from said
            where: dict[int, int | str] = {STDOUT: STDOUT, STDERR: STDERR, LOG: LOG}
            for fd, target in simple.redirects:
                if target == "/dev/null":
                    where[fd] = 0
                elif target.startswith(">"):
                    where[fd] = self._file_target(target)
                else:
                    where[fd] = where[int(target[1:])]
            piped = ""
            for stream, text in result.chunks:
                dest = where[stream]
                if isinstance(dest, str):
                    self.files[dest] += text
                elif dest == STDOUT and last and self.capture is not None:
                    self.capture.append(text)
                elif dest in (STDERR, LOG) or (dest == STDOUT and last):
                    yield text
                elif dest == STDOUT:
                    piped += text
            stdin = piped
            if result.code != 0:
                status = result.code  # pipefail: the rightmost failure wins
        return status

    def _simple(self, simple: _Simple, stdin: str) -> CommandResult:
        self._sub_status = None
        assignments: dict[str, str] = {}
        words = list(simple.words)
        while words:
            pair = self._assignment(words[0])
            if pair is None:
                break
            assignments[pair[0]] = pair[1]
            words.pop(0)
        argv = [f for w in words for f in self._fields(w)]
        if not argv:
            self.env.update(assignments)
            code = self._sub_status or 0  # bash: the status of the last command substitution, else 0
            return CommandResult(code)
        env = {**self.env, **assignments}
        builtin = getattr(self, "_b_" + argv[0].replace("[", "test"), None) if argv[0].isidentifier() or argv[0] == "[" else None
        if argv[0] == ":":
            return CommandResult()
        if builtin is not None:
            return builtin(argv, stdin, env, simple.text)
        handler = self.commands.get(argv[0])
        if handler is None:
            result = CommandResult()
            result.chunks.append((LOG, f"{NOT_EXECUTED}{simple.text}\n"))
            return result
        return handler(Invocation(argv=argv, stdin=stdin, env=env, cwd=self.cwd))

    # -- builtins ---------------------------------------------------------------------------------
    def _b_echo(self, argv, stdin, env, text) -> CommandResult:
        args, newline = argv[1:], "\n"
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            if "n" in args[0]:
                newline = ""
            args = args[1:]
        return CommandResult().out(" ".join(args) + newline)

    def _b_printf(self, argv, stdin, env, text) -> CommandResult:
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

    def _b_export(self, argv, stdin, env, text) -> CommandResult:
        for arg in argv[1:]:
            if arg.startswith("-"):
                continue
            name, eq, value = arg.partition("=")
            if not re.fullmatch(_NAME, name):
                return CommandResult(1).err(f"/bin/{self.name}: line 1: export: `{arg}': not a valid identifier\n")
            if eq:
                self.env[name] = value
        return CommandResult()

    def _b_unset(self, argv, stdin, env, text) -> CommandResult:
        for name in argv[1:]:
            self.env.pop(name, None)
        return CommandResult()

    def _b_cd(self, argv, stdin, env, text) -> CommandResult:
        target = argv[1] if len(argv) > 1 else env.get("HOME", "/root")
        self.cwd = posixpath.normpath(posixpath.join(self.cwd, target))
        return CommandResult()

    def _b_mkdir(self, argv, stdin, env, text) -> CommandResult:
        return CommandResult()  # folders exist as soon as a file is written into them

    def _b_touch(self, argv, stdin, env, text) -> CommandResult:
        for name in argv[1:]:
            if not name.startswith("-"):
                self.files.setdefault(self.path(name), "")
        return CommandResult()

    def _b_pwd(self, argv, stdin, env, text) -> CommandResult:
        return CommandResult().out(self.cwd + "\n")

    def _b_true(self, argv, stdin, env, text) -> CommandResult:
        return CommandResult()

    def _b_false(self, argv, stdin, env, text) -> CommandResult:
        return CommandResult(1)

    def _b_set(self, argv, stdin, env, text) -> CommandResult:
        return CommandResult()  # the runner already runs with `set -eo pipefail`; -x and friends change nothing here

    def _b_exit(self, argv, stdin, env, text) -> CommandResult:
        code = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else self.status
        raise _Exit(code)

    def _b_printenv(self, argv, stdin, env, text) -> CommandResult:
        if len(argv) == 2:
            if argv[1] in env:
                return CommandResult().out(env[argv[1]] + "\n")
            return CommandResult(1)
        return CommandResult().out(f"{NOT_EXECUTED}{text}\n")

    def _b_test(self, argv, stdin, env, text) -> CommandResult:
        args = argv[1:]
        if argv[0] == "[":
            if not args or args[-1] != "]":
                return CommandResult(2).err(f"/bin/{self.name}: line 1: [: missing `]'\n")
            args = args[:-1]
        negate = bool(args) and args[0] == "!"
        if negate:
            args = args[1:]
        if len(args) == 1:
            ok = args[0] != ""
        elif len(args) == 2 and args[0] in ("-z", "-n"):
            ok = (args[1] == "") == (args[0] == "-z")
        elif len(args) == 3 and args[1] in ("=", "==", "!="):
            ok = (args[0] == args[2]) == (args[1] != "!=")
        else:
            return CommandResult().out(f"{NOT_EXECUTED}{text}\n")
        return CommandResult(0 if ok != negate else 1)
