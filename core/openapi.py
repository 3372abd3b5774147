"""Document the errors the API really sends: RFC 9457 problem details, not Litestar's default shape.

Litestar documents a `400` as `application/json` with `status_code`/`detail`/`extra`, while `core.errors`
answers every error as `application/problem+json` with `type`, `title`, `status`, `detail` and `code`. A
client generated from the schema (and the fuzzer) would believe the wrong one. This plugin sets the
documented error responses of every operation from what its handler can do:

- 400 and 422 when it takes parameters or a body, or changes something (a body can always be malformed, and
  `core.edge` refuses a NUL character in any path, query or body with 422);
- 401 and 403 when a guard decides who may call it;
- 404 when its path has parameters or it acts on the signed-in member (who may be gone);
- 409 and 422 for requests that change something (conflicts and rule violations);
- 429 when a rate-limit guard (`core.ratelimit.rate_limit_guard`) is on it;
- and whatever a handler adds with `opt={"problems": [401, 429]}` (e.g. sign-in answers 401 unguarded).

A handler serving several methods under one fixed operation_id (GET and HEAD of a feed) gets one id per
method. Guarded operations are also marked as needing the bearer token (`security: [{"bearer": []}]`).

A handler's own `responses={…}` entry for a status always wins.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from litestar.typing import FieldDefinition

from core.errors import PROBLEM_JSON


class FieldProblem(msgspec.Struct):
    field: str | None
    message: str
    source: str | None = None


class Problem(msgspec.Struct):
    """RFC 9457 problem details; `code` is the stable, machine-readable reason."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None


_NOT_INPUT = {"request", "self", "state", "scope", "headers", "cookies", "socket"}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def problem_statuses(handler: HTTPRouteHandler, path: str) -> set[int]:
    statuses: set[int] = set()
    # Injected dependencies (`settings`, the signed-in `member`, the optional `viewer`) are not client input.
    inputs = set(handler.parsed_fn_signature.parameters) - _NOT_INPUT - set(handler.resolve_dependencies())
    guards = handler.resolve_guards()
    access_guards = [g for g in guards if not hasattr(g, "rate_limit")]
    writes = bool(set(handler.http_methods) & _WRITES)
    if inputs or writes or "{" in path:
        statuses |= {400, 422}  # 422: a NUL character (core/edge.py)
    if access_guards:
        statuses |= {401, 403, 404}
    if "{" in path:
        statuses.add(404)
    if writes:
        statuses |= {409, 422}
    if any(hasattr(g, "rate_limit") for g in guards):
        statuses.add(429)
    statuses |= set(handler.opt.get("problems", ()))
    return statuses


def _spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=HTTPStatus(status).phrase,
        generate_examples=False,
    )


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Request bodies are Structs with `forbid_unknown_fields=True`: say so (`additionalProperties: false`).

    Without it the document promised that any extra property is fine, and the API answered 400 to bodies
    the document called valid (found by fuzzing). Registered before Litestar's own Struct plugin.
    """

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Any:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if getattr(field_definition.type_, "__struct_config__", None) is not None and (
            field_definition.type_.__struct_config__.forbid_unknown_fields
        ):
            schema.additional_properties = False
        _restore_optional_constraints(field_definition.type_, schema)
        return schema


_CONSTRAINTS = {  # msgspec.inspect attribute -> OpenAPI Schema attribute
    "ge": "minimum", "le": "maximum", "gt": "exclusive_minimum", "lt": "exclusive_maximum",
    "min_length": "min_length", "max_length": "max_length", "pattern": "pattern",
}


def _restore_optional_constraints(struct: Any, schema: Any) -> None:
    """Litestar drops a constraint of value 0 (`ge=0`) on an optional field (`Years | None`): the document
    then allowed -5 years where the API answers 400 (found by fuzzing). Copy msgspec's constraints back."""
    info = msgspec.inspect.type_info(struct)
    if not isinstance(info, msgspec.inspect.StructType):
        return
    for field in info.fields:
        constrained = (msgspec.inspect.IntType, msgspec.inspect.FloatType, msgspec.inspect.StrType)
        types = field.type.types if isinstance(field.type, msgspec.inspect.UnionType) else (field.type,)
        types = tuple(t.type if isinstance(t, msgspec.inspect.Metadata) else t for t in types)
        inner = [t for t in types if isinstance(t, constrained)]
        prop = (schema.properties or {}).get(field.encode_name)
        if len(inner) != 1 or prop is None or not hasattr(prop, "minimum"):
            continue
        for source, target in _CONSTRAINTS.items():
            value = getattr(inner[0], source, None)
            if value is not None and getattr(prop, target, None) is None:
                setattr(prop, target, value)


def _per_method(operation_id: str) -> Any:
    # One handler serving GET and HEAD with a fixed operation_id makes Litestar refuse to build the whole
    # document ("operation_ids must be unique"): GET keeps the id, other methods get a suffix.
    def create(_: HTTPRouteHandler, method: str, __: Any) -> str:
        return operation_id if method == "GET" else f"{operation_id}_{method.lower()}"

    return create


class ProblemResponsesPlugin(ReceiveRoutePlugin):
    """Adds problem+json error responses to every documented operation as routes are registered."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            own: dict[int, Any] = dict(handler.responses or {})
            for status in sorted(problem_statuses(handler, route.path_format)):
                own.setdefault(status, _spec(status))
            handler.responses = own
            if isinstance(handler.operation_id, str) and len(handler.http_methods) > 1:
                handler.operation_id = _per_method(handler.operation_id)
            if any(not hasattr(g, "rate_limit") for g in handler.resolve_guards()) and handler.security is None:
                handler.security = [{"bearer": []}]
