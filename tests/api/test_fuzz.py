"""Schemathesis over the whole OpenAPI document, as every role, against the app with demo data.

The app runs in uvicorn on the test's own event loop (its asyncpg pool lives there; docs/stack-notes.md), and
schemathesis, which is synchronous, runs in a worker thread and talks to it over real HTTP. Each
operation is fuzzed as anonymous, member, facilitator (of the demo hackathon), organiser and administrator with
positive (schema-valid) and
negative (schema-violating) data. Every response must:

- never be a 5xx (a 500 is always a bug);
- be `application/problem+json` with a `code` when it is an error;
- agree with the schema: documented status code, content type and body (schemathesis' own checks);
- reject schema-violating input with a 4xx (`negative_data_rejection`).

The run is bounded (FUZZ_EXAMPLES per operation, role and mode; a deadline per request) and
deterministic (derandomized); the figures are written to build/test-reports/fuzz-<engine>.json and printed.

Then hostile bodies, for every operation and role (HOSTILE_EXAMPLES schema-valid cases each, changed on the way
out): a NUL character appended to every string of the body and query must give 422 `validation_error` (it
was a 500 on PostgreSQL), and a JSON body nested 5,000 deep must give 400 (it was a 500, also anonymously).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import Counter
from datetime import date, datetime
from typing import Any

import anyio
import pytest

from tests.support.database import IS_POSTGRES, ROOT
from tests.support.members import Members, give_event_role

pytestmark = pytest.mark.anyio
schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
NEGATIVE_EXAMPLES = int(os.environ.get("FUZZ_NEGATIVE_EXAMPLES", "4"))
HOSTILE_EXAMPLES = int(os.environ.get("FUZZ_HOSTILE_EXAMPLES", "2"))
# While working on a few routes: FUZZ_ONLY=waiting fuzzes only the operations whose id contains one of the
# comma-separated words (make test always fuzzes everything).
ONLY = [word for word in os.environ.get("FUZZ_ONLY", "").split(",") if word]
ROLES = ("anonymous", "member", "facilitator", "organiser", "admin")
NESTED_BODY = b"[" * 5000 + b"]" * 5000
# Operations that would end the role's own session for the rest of the run: fuzzed anonymously only.
ANONYMOUS_ONLY = {"logout"}
# Findings are fixed at their root, never exempted here: the order-id overflow (bounded path ids,
# core/params.py) and the HTML 404 under /events/ (calendar paths answer problem+json) were both fixed.
KNOWN_FINDINGS: list[tuple[str, int, str]] = []


def _checks() -> tuple[list[Any], list[Any]]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    positive = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    return positive, [*positive, negative_data_rejection]


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.per_operation: Counter[str] = Counter()
        self.per_label: Counter[str] = Counter()
        self.skipped: list[str] = []
        self.failures: dict[str, str] = {}
        self.known: dict[str, str] = {}
        self.server_errors = 0
        self.known_server_errors = 0

    def known_reason(self, label: str, status: int) -> str | None:
        operation = label.split(" as ", 1)[0]
        return next((why for part, code, why in KNOWN_FINDINGS if part in operation and code == status), None)

    def record(self, operation: str, label: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            if status >= 500:
                reason = self.known_reason(label, status)
                if reason:
                    self.known_server_errors += 1
                    self.known.setdefault(f"{operation} {status}", reason)
                else:
                    self.server_errors += 1
            self.per_operation[operation] += 1
            self.per_label[f"{label} -> {status}"] += 1

    def fail(self, key: str, message: str) -> None:
        with self.lock:
            for part, status, reason in KNOWN_FINDINGS:
                if part in key.split(" as ", 1)[0] and (f"[{status}]" in message or f" {status} " in message):
                    self.known.setdefault(f"{key.split(' as ', 1)[0]} {status}", reason)
                    return
            self.failures.setdefault(key, message[:3000])


def _problem_check(response: Any, label: str, recorder: Recorder) -> None:
    if response.status_code < 400 or label.startswith("HEAD "):  # a HEAD response has no body
        return
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    body: Any = None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        pass
    if not content_type.startswith("application/problem+json") or not (isinstance(body, dict) and body.get("code")):
        recorder.fail(f"{label}:problem:{response.status_code}",
                      f"{label}: {response.status_code} is not problem+json with a code: {content_type} "
                      f"{(response.content or b'')[:300]!r}")


def _runner(operation: Any, mode: Any, examples: int, base_url: str, roles: list[tuple[str, dict[str, str]]],
            checks: list[Any], recorder: Recorder) -> Any:
    """One hypothesis run for `operation` and `mode`: every case it generates is sent once as each role.

    Derandomized runs of the same strategy draw the same cases, so one run per role drew every case five times
    over (half the fuzzer's CPU went to hypothesis and schemathesis drawing them); each role still gets
    `examples` cases, the same ones as before. A transport error as one role is recorded as that role's finding
    and the other roles go on, as when each role had a run of its own."""
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.core.failures import FailureGroup

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        for role, headers in roles:
            label = f"{operation.label} as {role} ({mode.value})"
            try:
                response = case.call(base_url=base_url, headers=headers, timeout=30)
            except Exception as exc:
                recorder.fail(f"{label}:error", f"{label}: {type(exc).__name__}: {exc}")
                continue
            recorder.record(operation.label, label, response.status_code)
            _problem_check(response, label, recorder)
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except FailureGroup as group:
                for failure in group.exceptions:
                    recorder.fail(f"{label}:{failure.title}", f"{label}: {group}")
            except AssertionError as exc:
                recorder.fail(f"{label}:{type(exc).__name__}", f"{label}: {exc}")

    return run


def _with_nul(value: Any) -> tuple[Any, bool]:
    """`value` with a NUL appended to every string in it (keys left alone), and whether there was one."""
    if isinstance(value, str):
        return value + "\x00", True
    if isinstance(value, dict):
        pairs = [(key, _with_nul(child)) for key, child in value.items()]
        return {key: child for key, (child, _) in pairs}, any(found for _, (_, found) in pairs)
    if isinstance(value, list):
        items = [_with_nul(child) for child in value]
        return [child for child, _ in items], any(found for _, found in items)
    return value, False


def _hostile_runner(operation: Any, base_url: str, roles: list[tuple[str, dict[str, str]]],
                    recorder: Recorder) -> Any:
    import requests
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    def expect(label: str, kind: str, response: Any, status: int) -> None:
        recorder.record(operation.label, f"{label} ({kind})", response.status_code)
        body: Any = None
        try:
            body = response.json()
        except ValueError:
            pass
        problem = response.headers.get("content-type", "").startswith("application/problem+json")
        if response.status_code != status or not problem or not isinstance(body, dict) or not body.get("code"):
            recorder.fail(f"{label}:{kind}:{response.status_code}",
                          f"{label} ({kind}): expected {status} problem+json, got {response.status_code} "
                          f"{response.headers.get('content-type')} {response.content[:300]!r}")

    @settings(max_examples=HOSTILE_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def run(case: Any) -> None:
        for role, headers in roles:  # one run, every role (as in _runner)
            label = f"{operation.label} as {role}"
            try:
                send(case, headers, label)
            except Exception as exc:
                recorder.fail(f"{label}:hostile", f"{label} (hostile): {type(exc).__name__}: {exc}")

    def send(case: Any, headers: dict[str, str], label: str) -> None:
        sent = case.as_transport_kwargs(base_url=base_url, headers=headers)
        sent.pop("cookies", None)
        body, body_nul = _with_nul(sent.get("json"))
        params, query_nul = _with_nul(dict(sent.get("params") or {}))
        if body_nul or query_nul:
            response = requests.request(sent["method"], sent["url"], headers=sent.get("headers"), params=params,
                                        json=body if "json" in sent else None, timeout=30)
            expect(label, "nul", response, 422)
        if "json" in sent and sent["method"].upper() in ("POST", "PUT", "PATCH", "DELETE"):
            nested_headers = {**(sent.get("headers") or {}), "Content-Type": "application/json"}
            response = requests.request(sent["method"], sent["url"], headers=nested_headers,
                                        params=sent.get("params"), data=NESTED_BODY, timeout=30)
            expect(label, "nested", response, 400)

    return run


def _fuzz(base_url: str, tokens: dict[str, str | None], recorder: Recorder) -> None:
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    positive_checks, negative_checks = _checks()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the OpenAPI document lists fewer operations than expected"
    for operation in operations:
        op_id = operation.definition.raw.get("operationId", operation.label)
        if ONLY and not any(word in op_id for word in ONLY):
            continue
        roles = [(role, {"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {})
                 for role in ROLES if role == "anonymous" or op_id not in ANONYMOUS_ONLY]
        for mode, examples, checks in (
            (GenerationMode.POSITIVE, EXAMPLES, positive_checks),
            (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, negative_checks),
        ):
            if examples <= 0:
                continue
            labels = [f"{operation.label} as {role} ({mode.value})" for role, _ in roles]
            try:
                _runner(operation, mode, examples, base_url, roles, checks, recorder)()
            except Unsatisfiable:
                # Nothing in the schema can be violated (no parameters, or unconstrained strings only).
                if mode != GenerationMode.NEGATIVE:
                    raise
                recorder.skipped.extend(labels)
            except Exception as exc:  # an unsatisfiable strategy etc.: report, do not hide
                for label in labels:
                    recorder.fail(f"{label}:error", f"{label}: {type(exc).__name__}: {exc}")
        if HOSTILE_EXAMPLES > 0:
            try:
                _hostile_runner(operation, base_url, roles, recorder)()
            except Exception as exc:
                for role, _ in roles:
                    label = f"{operation.label} as {role}"
                    recorder.fail(f"{label}:hostile", f"{label} (hostile): {type(exc).__name__}: {exc}")


async def test_fuzz_whole_api_as_every_role(app: Any, members: Members) -> None:
    import uvicorn

    from devtools.demo import DEMO_SLUG, seed_demo

    assert await seed_demo(date.today())
    facilitator = await members.create(email="fuzz-facilitator@example.nl")
    await give_event_role(DEMO_SLUG, facilitator["email"], "facilitator")
    organiser = await members.create("organiser", email="fuzz-organiser@example.nl")
    admin = await members.create("admin", email="fuzz-admin@example.nl")
    member = await members.create(email="fuzz-member@example.nl", birth_date=date(1994, 4, 4))
    tokens: dict[str, str | None] = {
        "anonymous": None, "member": member["token"], "facilitator": facilitator["token"],
        "organiser": organiser["token"], "admin": admin["token"],
    }
    # The organiser owns a draft too, so that drafts are in play for the organiser's requests.
    from events.service import create_event
    from members.sessions import principal_for_token

    owner = await principal_for_token(organiser["token"])
    assert owner is not None
    await create_event(owner, {"title": "Fuzz draft", "starts_at": datetime(2031, 5, 1, 10),
                               "ends_at": datetime(2031, 5, 1, 17), "capacity_duos": 5})

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning", proxy_headers=False,
                                           access_log=False))
    recorder = Recorder()
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await anyio.sleep(0.01)
        try:
            await anyio.to_thread.run_sync(_fuzz, f"http://127.0.0.1:{port}", tokens, recorder)
        finally:
            server.should_exit = True
    elapsed = time.perf_counter() - started

    server_errors = recorder.server_errors
    figures = {
        "engine": "postgresql" if IS_POSTGRES else "sqlite",
        "requests": recorder.requests,
        "operations": len(recorder.per_operation),
        "server_errors": server_errors,
        "server_errors_known_elsewhere": recorder.known_server_errors,
        "statuses": dict(sorted(recorder.statuses.items())),
        "failures": len(recorder.failures),
        "known_findings_elsewhere": recorder.known,
        "seconds": round(elapsed, 1),
        "examples_per_operation_role": {"positive": EXAMPLES, "negative": NEGATIVE_EXAMPLES},
    }
    out = anyio.Path(ROOT / "build" / "test-reports")  # not test-results/: pytest-playwright empties it
    await out.mkdir(parents=True, exist_ok=True)
    details = {**figures, "by_operation_role_mode": dict(sorted(recorder.per_label.items())),
               "negative_mode_not_applicable": recorder.skipped}
    await (out / f"fuzz-{figures['engine']}.json").write_text(json.dumps(details, indent=2) + "\n")
    print("\nfuzz figures:", json.dumps(figures))
    assert recorder.requests > 0, "\n".join(list(recorder.failures.values())[:5])
    assert server_errors == 0, "\n\n".join(recorder.failures.values())
    assert not recorder.failures, f"{len(recorder.failures)} fuzz findings:\n\n" + "\n\n".join(
        recorder.failures.values()
    )
