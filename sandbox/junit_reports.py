"""A pipeline's unit test report, as GitLab builds it from its jobs' ``artifacts:reports:junit``
(Gitlab::Ci::Parsers::Test::Junit, Gitlab::Ci::Reports::TestReport): one test suite per job name, holding
the test cases of every JUnit file the job uploaded. A test case is ``failed`` (a ``<failure>``), ``error``
(an ``<error>``), ``skipped`` (a ``<skipped>``) or ``success``; its ``system_output`` is the failure's text
(or its message). A file that is not JUnit XML gives the suite GitLab's ``suite_error``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

STATUSES = ("success", "failed", "skipped", "error")


def _time(text: str | None) -> float:
    try:
        return float(text) if text else 0.0
    except ValueError:
        return 0.0


def _case(element: ET.Element) -> dict[str, Any]:
    status, output = "success", None
    for tag, name in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        found = element.find(tag)
        if found is not None:
            status = name
            output = (found.text or "").strip() or found.get("message") or None
            break
    return {"status": status, "name": element.get("name", ""), "classname": element.get("classname", ""),
            "file": element.get("file"), "execution_time": _time(element.get("time")), "system_output": output,
            "stack_trace": None, "recent_failures": None, "attachment_url": None}


def parse_junit(data: bytes) -> list[dict[str, Any]]:
    """The test cases of one JUnit XML file; ValueError with GitLab's sentence when it cannot be read."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"JUnit XML parsing failed: {exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise ValueError("JUnit data parsing failed: the root element is neither testsuites nor testsuite")
    return [_case(element) for element in root.iter("testcase")]


def suite(name: str, build_ids: list[int], reports: list[bytes]) -> dict[str, Any]:
    cases: list[dict[str, Any]] = []
    error = None
    for data in reports:
        try:
            cases.extend(parse_junit(data))
        except ValueError as exc:
            error = str(exc)
    if error is not None:
        cases = []
    counts = {s: sum(1 for c in cases if c["status"] == s) for s in STATUSES}
    return {"name": name, "total_time": round(sum(c["execution_time"] for c in cases), 3),
            "total_count": len(cases), "success_count": counts["success"], "failed_count": counts["failed"],
            "skipped_count": counts["skipped"], "error_count": counts["error"], "suite_error": error,
            "build_ids": build_ids, "test_cases": cases}


def build_test_report(suites: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET .../pipelines/:id/test_report``: totals and every suite with its test cases."""
    keys = ("total_count", "success_count", "failed_count", "skipped_count", "error_count")
    out: dict[str, Any] = {"total_time": round(sum(s["total_time"] for s in suites), 3)}
    out.update({k: sum(s[k] for s in suites) for k in keys})
    out["test_suites"] = [{k: v for k, v in s.items() if k != "build_ids"} for s in suites]
    return out


def build_test_report_summary(suites: list[dict[str, Any]]) -> dict[str, Any]:
    """``GET .../pipelines/:id/test_report_summary``: the totals and each suite without its test cases."""
    report = build_test_report(suites)
    errors = [s["suite_error"] for s in suites if s["suite_error"]]
    total = {"time": report["total_time"], "count": report["total_count"], "success": report["success_count"],
             "failed": report["failed_count"], "skipped": report["skipped_count"], "error": report["error_count"],
             "suite_error": errors[0] if errors else None}
    return {"total": total, "test_suites": [{k: v for k, v in s.items() if k != "test_cases"} for s in suites]}
