"""What the sandbox's ``docker build`` checks in a Dockerfile, with BuildKit's messages: the parse (read by
the core's :mod:`dockwright.wizard.dockerfile_syntax`: unknown instructions), ARG before FROM, FROM's
arguments and stages, the base images (the sandbox registry's must exist; others are assumed), the files
COPY/ADD take from the build context (minus what ``.dockerignore`` leaves out) and the file
``pip install -r`` needs in the image (also in a ``RUN <<EOF`` script). RUN steps are checked, not
executed, and say so.
"""

from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dockwright.sandbox.docker_images import RegistryPort, fake_digest, parse_reference
from dockwright.sandbox.shell_sim import NOT_EXECUTED, CommandResult
from dockwright.wizard.dockerfile_syntax import Dockerfile, Instruction, parse

_STEPS = {"FROM", "RUN", "COPY", "ADD", "WORKDIR"}


class BuildError(Exception):
    """A build failure; ``lines`` is what BuildKit prints before its final ``ERROR:`` line."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or []


def parse_dockerfile(text: str) -> tuple[Instruction, ...]:
    """The instructions, or the first line BuildKit refuses as a :class:`BuildError`."""
    dockerfile = parse(text)
    if dockerfile.problems:
        problem = dockerfile.problems[0]
        raise BuildError(f"dockerfile parse error on line {problem.line}: {problem.message}")
    if not dockerfile.instructions:
        raise BuildError("file with no instructions")
    return dockerfile.instructions


def _split_args(args: str) -> list[str]:
    args = args.strip()
    if args.startswith("["):
        return re.findall(r'"((?:[^"\\]|\\.)*)"', args)
    return args.split()


def _subst(text: str, values: dict[str, str]) -> str:
    def repl(m: re.Match) -> str:
        name = m.group(1) or m.group(3)
        default = m.group(2)
        value = values.get(name)
        if value:
            return value
        return default if default is not None else ""
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)", repl, text)


def _dockerignore(text: str | None) -> list[tuple[bool, str]]:
    """.dockerignore patterns in order, as (negated, pattern)."""
    patterns = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = posixpath.normpath(line.lstrip("!").strip().strip("/")) if line.lstrip("!").strip("/") else ""
        if pattern:
            patterns.append((negated, pattern))
    return patterns


def _is_ignored(rel: str, patterns: list[tuple[bool, str]]) -> bool:
    """Whether the context path ``rel`` is left out of the build context (the last matching pattern wins)."""
    if not patterns or rel in ("", "."):
        return False
    parts = rel.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    ignored = False
    for negated, pattern in patterns:
        pattern = pattern.replace("**/", "*/") if pattern.startswith("**/") else pattern
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes) or (
                pattern.startswith("*/") and any(fnmatch.fnmatchcase(p, pattern[2:]) for p in parts)):
            ignored = not negated
    return ignored


@dataclass
class _Fs:
    """What the image's filesystem holds from the build context: (destination, context path, is_dir)."""

    entries: list[tuple[str, str | None, bool]] = field(default_factory=list)

    def has(self, path: str, exists: Callable[[str], bool]) -> bool:
        for dest, src, is_dir in reversed(self.entries):
            if src is None:  # copied from another stage: unknown content, assume present
                if path == dest or path.startswith(dest.rstrip("/") + "/"):
                    return True
                continue
            if is_dir and (path == dest or path.startswith(dest.rstrip("/") + "/")):
                rel = path[len(dest):].lstrip("/")
                if exists(posixpath.normpath(posixpath.join(src, rel)) if rel else src or "."):
                    return True
            elif path == dest:
                return True
        return False


class DockerfileBuild:
    """The checks of one build: ``DockerfileBuild(...).solve(text, context, build_args, out)`` prints
    BuildKit's steps into ``out`` and returns (image id, last step number), or raises :class:`BuildError`.

    ``exists(path)`` answers for files and directories of the repository at the commit, ``read_file(path)``
    returns a file's bytes or None, ``registry`` is where base images of the sandbox's registry are looked up.
    """

    def __init__(self, *, registry: RegistryPort, read_file: Callable[[str], bytes | None],
                 exists: Callable[[str], bool]) -> None:
        self.registry = registry
        self.read_file = read_file
        self.exists = exists
        self._context = ""
        self._context_exists: Callable[[str], bool] = exists

    def solve(self, text: str, context: str, build_args: dict[str, str], out: CommandResult) -> tuple[str, int]:
        instructions = parse_dockerfile(text)
        values: dict[str, str] = {}
        for ins in instructions:
            if ins.keyword == "FROM":
                break
            if ins.keyword == "ARG":
                key, _, default = ins.arguments.partition("=")
                values[key.strip()] = build_args.get(key.strip(), default.strip().strip("\"'"))
            else:
                raise BuildError(f"dockerfile parse error on line {ins.line}: no build stage in current context")
        else:
            raise BuildError("dockerfile parse error: no build stage in current context")
        stages: list[str] = []
        bases: list[str] = []
        for ins in instructions:
            if ins.keyword == "FROM":
                words = _subst(ins.arguments, values).split()
                if not words:
                    raise BuildError(f"dockerfile parse error on line {ins.line}: FROM requires either one or three arguments")
                base = words[0]
                if len(words) >= 3 and words[1].upper() == "AS":
                    stages.append(words[2].lower())
                if base.lower() in stages or base == "scratch":
                    continue
                try:
                    ref = parse_reference(base)
                except ValueError as exc:
                    raise BuildError(f"failed to parse stage name \"{base}\": {exc}") from None
                bases.append(ref.with_tag())
        step = 2
        for base in dict.fromkeys(bases):
            out.out(f"#{step} [internal] load metadata for {base}\n")
            ref = parse_reference(base)
            if ref.domain == self.registry.host:
                if not self.registry.has(ref.path, ref.tag or "latest"):
                    out.out(f"#{step} ERROR: {base}: not found\n")
                    raise BuildError(f"{base}: failed to resolve source metadata for {base}: {base}: not found")
            else:
                out.out(f"#{step} [sandbox] {ref.domain} is not contacted: the base image is assumed to exist\n")
            out.out(f"#{step} DONE 0.4s\n\n")
            step += 1
        for ins, name in Dockerfile(instructions).stray_copy_sources():
            # BuildKit reads a --from that names no stage as an image and resolves it with the bases; Docker
            # Hub answers a repository that does not exist as one it may not show (moby/buildkit resolver)
            image = f"docker.io/library/{name.lower()}:latest"
            denied = ("pull access denied, repository does not exist or may require authorization: server "
                      "message: insufficient_scope: authorization failed")
            out.out(f"#{step} [internal] load metadata for {image}\n#{step} ERROR: {denied}\n")
            raise BuildError(f"{name}: failed to resolve source metadata for {image}: {denied}",
                             [f"------\n > [internal] load metadata for {image}:\n------\n",
                              f"[sandbox] line {ins.line} copies --from={name}, which no FROM ... AS names above it\n"])
        out.out(f"#{step} [internal] load .dockerignore\n#{step} transferring context: 2B done\n#{step} DONE 0.0s\n\n")
        step += 1
        out.out(f"#{step} [internal] load build context\n#{step} transferring context: 4.10kB done\n#{step} DONE 0.0s\n\n")
        step += 1

        counted = [i for i in instructions if i.keyword in _STEPS]
        total = len(counted)
        ignore_file = self.read_file(posixpath.join(context, ".dockerignore") if context else ".dockerignore")
        patterns = _dockerignore(ignore_file.decode("utf-8", "replace") if ignore_file else None)
        outer_exists = self.exists

        def in_context(path: str) -> bool:
            rel = posixpath.relpath(path, context) if context else path
            return outer_exists(path) and not _is_ignored(rel, patterns)

        self._context_exists = in_context
        self._context = context
        fs, workdir, env = _Fs(), "/", dict(values)
        stage_label = ""
        index = 0
        for ins in instructions:
            args = _subst(ins.arguments, env)
            if ins.keyword in ("ARG", "ENV"):
                pairs = re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)', ins.arguments)
                if not pairs and ins.arguments.split():
                    key, _, val = ins.arguments.partition(" ")
                    pairs = [(key, val)]
                for key, val in pairs:
                    default = _subst(val.strip('"'), env)
                    env[key] = build_args.get(key, default) if ins.keyword == "ARG" else default
                continue
            if ins.keyword not in _STEPS:
                continue
            index += 1
            label = f"[{stage_label}{index}/{total}] {ins.keyword} {ins.text}"
            out.out(f"#{step} {label}\n")
            if ins.keyword == "FROM":
                words = args.split()
                stage_label = f"{words[2].lower()} " if len(words) >= 3 and words[1].upper() == "AS" else ""
                fs, workdir = _Fs(), "/"
                if words[0].lower() not in stages and words[0] != "scratch":
                    ref = parse_reference(words[0])
                    out.out(f"#{step} resolve {ref.with_tag()} done\n")
            elif ins.keyword == "WORKDIR":
                workdir = posixpath.normpath(posixpath.join(workdir, args.strip()))
            elif ins.keyword in ("COPY", "ADD"):
                self._copy(ins, args, env, context, workdir, fs, out, step, label)
            elif ins.keyword == "RUN":
                self._run(ins, args, env, workdir, fs, out, step, label)
            out.out(f"#{step} DONE 0.1s\n\n")
            step += 1
        return fake_digest(text, context, repr(sorted(build_args.items()))), step - 1

    def _copy(self, ins: Instruction, args: str, env: dict[str, str], context: str, workdir: str, fs: _Fs,
              out: CommandResult, step: int, label: str) -> None:
        plain = _split_args(args)
        from_stage = ins.flag("from")
        inline = {f"<<{'-' if doc.strip_tabs else ''}{doc.name}" for doc in ins.heredocs}
        if len(plain) < 2:
            raise BuildError(f"dockerfile parse error on line {ins.line}: {ins.keyword} requires at least two arguments, "
                             f"but only one was provided. Destination could not be determined")
        sources, dest = plain[:-1], plain[-1]
        dest_abs = posixpath.normpath(posixpath.join(workdir, dest))
        dest_is_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
        if from_stage is not None:
            fs.entries.append((dest_abs, None, True))
            return
        for src in sources:
            if re.match(r"^https?://", src) or src.replace('"', "").replace("'", "") in inline:  # a URL, a heredoc
                fs.entries.append((dest_abs, None, True))
                continue
            inside = posixpath.normpath(src.lstrip("/"))  # sources never leave the context
            while inside.startswith("../"):
                inside = inside[3:]
            whole_context = inside in (".", "..", "")
            rel = context if whole_context else (posixpath.join(context, inside) if context else inside)
            if any(ch in src for ch in "*?["):
                fs.entries.append((dest_abs, None, True))
                continue
            if not whole_context and not self._context_exists(rel):
                shown = "/" + posixpath.normpath(src.lstrip("/"))
                checksum = hashlib.sha256(context.encode()).hexdigest()[:25]
                message = (f"failed to compute cache key: failed to calculate checksum of ref "
                           f"{checksum}::{checksum[:12]}: \"{shown}\": not found")
                out.out(f"#{step} ERROR: failed to calculate checksum of ref {checksum}::{checksum[:12]}: "
                        f"\"{shown}\": not found\n")
                raise BuildError(message, [f"------\n > {label}:\n------\n"])
            is_dir = whole_context or src.endswith("/") or (self.read_file(rel) is None)
            if is_dir:
                fs.entries.append((dest_abs, rel, True))
            else:
                target = posixpath.join(dest_abs, posixpath.basename(rel)) if dest_is_dir else dest_abs
                fs.entries.append((target, rel, False))

    def _run(self, ins: Instruction, args: str, env: dict[str, str], workdir: str, fs: _Fs, out: CommandResult,
             step: int, label: str) -> None:
        command = args.strip()
        fs = _Fs(list(fs.entries))  # bind mounts exist for this RUN only
        for name, value in ins.flags:
            if name == "mount":
                opts = dict(o.partition("=")[::2] for o in _subst(value, env).split(","))
                if opts.get("type") == "bind" and "from" not in opts:
                    source = posixpath.normpath(posixpath.join(self._context, opts.get("source", opts.get("src", ".")).lstrip("/")))
                    target = posixpath.normpath(posixpath.join(workdir, opts.get("target", opts.get("dst", "/"))))
                    source = "" if source == "." else source
                    is_dir = source == self._context or self.read_file(source) is None
                    fs.entries.append((target, source, is_dir))
        if ins.heredocs and command.startswith("<<"):  # RUN <<EOF: the heredoc is the script
            command = "\n".join(doc.body for doc in ins.heredocs)
        if command.startswith("["):
            command = " ".join(_split_args(command))
        written = {posixpath.normpath(posixpath.join(workdir, p)) for p in re.findall(r">\s*([^\s;&|>]+)", command)}
        for m in re.finditer(r"\bpip3?\s+install\b([^;&|\n]*)", command):
            words = m.group(1).split()
            for i, w in enumerate(words):
                req = None
                if w in ("-r", "--requirement") and i + 1 < len(words):
                    req = words[i + 1]
                elif w.startswith("--requirement="):
                    req = w.split("=", 1)[1]
                elif w.startswith("-r") and len(w) > 2:
                    req = w[2:]
                if req is None:
                    continue
                path = posixpath.normpath(posixpath.join(workdir, req))
                if path not in written and not fs.has(path, self._context_exists):
                    shell_cmd = f"/bin/sh -c {command}"
                    message = (f"0.512 ERROR: Could not open requirements file: [Errno 2] "
                               f"No such file or directory: '{req}'\n")
                    out.out(f"#{step} {message}")
                    out.out(f"#{step} ERROR: process \"{shell_cmd}\" did not complete successfully: exit code: 1\n")
                    raise BuildError(f"process \"{shell_cmd}\" did not complete successfully: exit code: 1",
                                     [f"------\n > {label}:\n{message}------\n"])
        out.out(f"#{step} {NOT_EXECUTED}RUN steps are checked, not run, in the sandbox\n")
