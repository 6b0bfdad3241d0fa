"""Teaching pages (``assets/help/<page>.md``) as plain text for terminals, screen readers and transcripts.

The Textual wizard renders the Markdown itself; ``dockwright --plain`` prints :func:`help_page_text`.
Decoration goes (``**``, backticks, ``#``, link brackets, code fences, table rules); the words,
the commands and the URLs stay.
"""

from __future__ import annotations

import re
import textwrap

from dockwright.assets import asset_text

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"(\*\*|__)(.+?)\1")
_CODE = re.compile(r"`([^`]+)`")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?!\s)([^*]+?)(?<!\s)\*(?![*\w])")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _inline(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"\2", text)
    text = _EMPHASIS.sub(r"\1", text)
    return _CODE.sub(r"\1", text)


def _table(rows: list[list[str]], width: int) -> list[str]:
    widths = [max(len(row[i]) if i < len(row) else 0 for row in rows) for i in range(max(map(len, rows)))]
    out: list[str] = []
    if sum(widths) + 2 * (len(widths) - 1) > width and len(rows) > 1:
        # Too wide for the terminal: one block per row, "header: cell" lines under the first cell.
        header = rows[0]
        for row in rows[1:]:
            out.extend(_wrap(row[0], width, "- ", "  "))
            for name, cell in zip(header[1:], row[1:], strict=False):
                out.extend(_wrap(f"{name}: {cell}", width, "    ", "      "))
        return out
    for n, row in enumerate(rows):
        cells = [(row[i] if i < len(row) else "").ljust(widths[i]) for i in range(len(widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def markdown_to_plain(markdown: str, width: int = 100) -> str:
    """Strip Markdown decoration; re-wrap prose at ``width``; keep code blocks and tables aligned."""
    out: list[str] = []
    table: list[list[str]] = []
    para: list[str] = []  # source lines of the paragraph or list item being collected
    lead = ("", "")  # (first-line prefix, following-lines prefix) of that paragraph or item
    in_code = False

    def flush() -> None:
        nonlocal lead
        if para:
            out.extend(_wrap(_inline(" ".join(para)), width, *lead))
            para.clear()
        lead = ("", "")
        if table:
            out.extend(_table(table, width))
            table.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            out.append("    " + line)
            continue
        if not line.strip():
            flush()
            out.append("")
            continue
        if line.startswith("|"):
            if para:
                flush()
            if not _TABLE_RULE.match(line):
                table.append([_inline(c.strip()) for c in line.strip().strip("|").split("|")])
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            title = _inline(heading.group(2))
            if out and out[-1] != "":
                out.append("")
            out.append(title.upper() if len(heading.group(1)) == 1 else title)
            out.append(("=" if len(heading.group(1)) == 1 else "-") * len(title))
            continue
        item = re.match(r"^(\s*)([-*+]|\d+\.)\s+(.*)$", line)
        if item:
            flush()
            indent, bullet = item.group(1), item.group(2)
            first = f"{indent}{'-' if bullet in '-*+' else bullet} "
            lead = (first, " " * len(first))
            para.append(item.group(3))
            continue
        if table:
            flush()
        para.append(line.strip())
    flush()
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def help_page_text(page: str, width: int = 100) -> str:
    """The teaching page ``assets/help/<page>.md`` as plain text (``page`` is a step's ``help_page``)."""
    return markdown_to_plain(asset_text(f"help/{page}.md"), width)
