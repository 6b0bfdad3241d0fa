"""A pipeline's JUnit test report (``GET .../pipelines/:id/test_report``) in a few lines: counts, and the
failed tests by name with their suite, for the pipeline view. UI-free."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SHOWN_FAILURES = 8


@dataclass(frozen=True)
class TestSummary:
    total: int
    failed: int
    errors: int
    skipped: int
    failures: tuple[str, ...]  # "suite: classname.name", failed and errored cases, in report order
    broken_suites: tuple[str, ...] = ()  # suites GitLab could not read (suite_error)

    __test__ = False  # not a pytest class

    @property
    def empty(self) -> bool:
        return self.total == 0 and not self.broken_suites

    def lines(self, limit: int = SHOWN_FAILURES) -> list[str]:
        if self.empty:
            return []
        passed = self.total - self.failed - self.errors - self.skipped
        head = f"Tests: {self.total} run, {passed} passed"
        head += "".join(f", {n} {word}" for n, word in ((self.failed, "failed"), (self.errors, "errors"),
                                                       (self.skipped, "skipped")) if n)
        lines = [head]
        lines += [f"  ✘ {name}" for name in self.failures[:limit]]
        if len(self.failures) > limit:
            lines.append(f"  … and {len(self.failures) - limit} more (Tests tab of the pipeline in GitLab)")
        lines += [f"  ! suite {name}: GitLab could not read its report" for name in self.broken_suites]
        return lines


def summarize(report: dict[str, Any]) -> TestSummary:
    failures: list[str] = []
    broken: list[str] = []
    for suite in report.get("test_suites") or []:
        if suite.get("suite_error"):
            broken.append(str(suite.get("name")))
        for case in suite.get("test_cases") or []:
            if case.get("status") in ("failed", "error"):
                name = ".".join(part for part in (case.get("classname"), case.get("name")) if part)
                failures.append(f"{suite.get('name')}: {name}")
    return TestSummary(int(report.get("total_count") or 0), int(report.get("failed_count") or 0),
                       int(report.get("error_count") or 0), int(report.get("skipped_count") or 0), tuple(failures),
                       tuple(broken))
