"""The HTTP API's paths, and its OpenAPI 3.1 document, built from the tables the handlers use.

The actions and their parameters come from `core/api_actions.ACTIONS`, the error codes and their statuses from
`core/errors.HTTP_STATUS`, the timer's fields from `core/messages.Snapshot` and the message's from
`core/stage_message.StageMessage`: a change to any of them changes the document, so it cannot drift
(tests/test_http_api.py validates it and checks it against the routes).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..core.api_actions import ACTIONS, FALSE_WORDS, TOKEN_PARAMETER, TRUE_WORDS, Action, Kind, Parameter
from ..core.api_answers import LISTED_FIELDS, MAX_LISTED
from ..core.errors import HTTP_STATUS, ErrorCode
from ..core.messages import Snapshot
from ..core.model import Command, Timer
from ..core.protocol import TIMER_NAME
from ..core.rundown import MAX_CUE_MS, MAX_CUES, MAX_NOTE_CHARS, MAX_TITLE_CHARS, MIN_CUE_MS
from ..core.stage_message import MAX_TEXT_CHARS, StageMessage

API_PREFIX = "/api/v1"
TIMERS_PATH = API_PREFIX + "/timers"
OPENAPI_PATH = API_PREFIX + "/openapi.json"
RUNDOWN = "rundown"
# The codes the API answers with (a binary frame is the WebSocket's alone).
API_CODES = tuple(code for code in ErrorCode if code is not ErrorCode.BINARY_FRAME)
_ANNOTATIONS = {"str": {"type": "string"}, "int": {"type": "integer"}, "bool": {"type": "boolean"},
                "int | None": {"type": ["integer", "null"]}}
_READ_ERRORS = (ErrorCode.FORBIDDEN, ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE)
_ACTION_ERRORS = (ErrorCode.INVALID_JSON, ErrorCode.INVALID_MESSAGE, ErrorCode.UNKNOWN_TYPE, ErrorCode.FORBIDDEN,
                  ErrorCode.INVALID_STATE, ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE)


def action_path(action: str) -> str:
    return f"{TIMERS_PATH}/{{name}}/{action}"


def document() -> dict[str, Any]:
    """The whole OpenAPI document, as data."""
    paths: dict[str, Any] = {
        TIMERS_PATH: {"get": _operation("listTimers", "The timers: this process's, and with a shared store (Redis) "
                                        f"the other processes' too; at most {MAX_LISTED}, by name",
                                        [], "TimerList", _READ_ERRORS)},
        TIMERS_PATH + "/{name}": {"get": _operation(
            "readTimer", "One timer, as the WebSocket's state shows it; never creates it", [_name()], "Timer",
            (ErrorCode.INVALID_MESSAGE, ErrorCode.NOT_FOUND, *_READ_ERRORS))},
        **_rundown_paths(),
        OPENAPI_PATH: {"get": {"operationId": "openapi", "summary": "This document", "tags": ["meta"], "responses": {
            "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    for action in ACTIONS.values():
        paths[action_path(action.name)] = {method: _action_operation(action, method) for method in ("get", "post")}
    return {
        "openapi": "3.1.0",
        "info": {"title": "tornado-timer HTTP API", "version": "1",
                 "description": "Shared timers for controllers (Bitfocus Companion, Stream Deck, scripts): read them, "
                 "and act on them like a WebSocket client. See docs/api.md."},
        "paths": paths,
        "components": {"schemas": _schemas(), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "the control token"},
            "token": {"type": "apiKey", "in": "query", "name": TOKEN_PARAMETER, "description": "the control token"},
        }},
        "security": [{}, {"bearer": []}, {"token": []}],
    }


def _rundown_paths() -> dict[str, Any]:
    """The rundown: read it (JSON, or as lines with ?format=text), replace it (JSON or lines of text)."""
    text_format = {"name": "format", "in": "query", "required": False, "description": "text: the cues as lines",
                   "schema": {"type": "string", "enum": ["text"]}}
    read = _operation("readRundown", "A timer's rundown, as the WebSocket's rundown message has it",
                      [_name(), text_format], "Rundown",
                      (ErrorCode.INVALID_MESSAGE, ErrorCode.NOT_FOUND, *_READ_ERRORS))
    read["responses"]["200"]["content"]["text/plain"] = {"schema": {"type": "string"}}
    auto = {"name": "auto_advance", "in": "query", "required": False, "description": "start each cue when the one "
            "before ends", "schema": {"type": "string", "enum": [*TRUE_WORDS, *FALSE_WORDS]}}
    body = {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/RundownRequest"}},
        "text/plain": {"schema": {"type": "string", "description": "one cue per line: Title, duration[, note]",
                                  "examples": ["Welcome, 5m\nKeynote, 20m\nQ&A, 10:00, questions from the room"]}}}}
    operations = {"get": read}
    for method in ("put", "post"):
        operation = _operation(f"replaceRundown{method.title()}", "Replace the rundown (an empty list removes it)",
                               [_name(), auto], "Rundown", _ACTION_ERRORS)
        operations[method] = {**operation, "requestBody": body}
    return {f"{TIMERS_PATH}/{{name}}/{RUNDOWN}": operations}


def _action_operation(action: Action, method: str) -> dict[str, Any]:
    how = "query string" if method == "get" else "query string or a JSON body"
    operation = _operation(f"{action.name}{method.title()}", action.summary + f" Parameters in the {how}.",
                           [_name(), *(_query(p) for p in action.parameters)], "ActionResult", _ACTION_ERRORS)
    operation["tags"] = ["actions"]
    if method == "post" and action.parameters:
        operation["requestBody"] = {"required": False, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False,
            "properties": {p.name: {**_body_schema(p), "description": p.summary} for p in action.parameters}}}}}
    return operation


def _operation(operation_id: str, summary: str, parameters: list[dict[str, Any]], result: str,
               errors: tuple[ErrorCode, ...]) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "done", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{result}"}}}}}
    for status in sorted({HTTP_STATUS[code] for code in errors}):
        codes = [code.value for code in errors if HTTP_STATUS[code] == status]
        responses[str(status)] = {"description": "error: " + ", ".join(codes), "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
        if status == HTTP_STATUS[ErrorCode.RATE_LIMITED]:
            responses[str(status)]["headers"] = {"Retry-After": {"description": "seconds to wait",
                                                                 "schema": {"type": "integer"}}}
    return {"operationId": operation_id, "summary": summary, "tags": ["timers"], "parameters": parameters,
            "responses": responses}


def _name() -> dict[str, Any]:
    return {"name": "name", "in": "path", "required": True, "description": "the timer's name",
            "schema": {"type": "string", "pattern": f"^{TIMER_NAME.pattern}$"}}


def _query(parameter: Parameter) -> dict[str, Any]:
    schemas: dict[Kind, dict[str, Any]] = {
        Kind.DURATION: {"type": "string", "examples": ["90", "-30", "5m", "1h30m", "1:30"]},
        Kind.MILLISECONDS: {"type": "number"},
        Kind.FLAG: {"type": "string", "enum": [*TRUE_WORDS, *FALSE_WORDS]},
        Kind.TEXT: {"type": "string", "maxLength": MAX_TEXT_CHARS},
        Kind.CHOICE: {"type": "string", "enum": list(parameter.choices)},
        Kind.INDEX: {"type": "integer", "minimum": 0},
    }
    schema = schemas[parameter.kind]
    return {"name": parameter.name, "in": "query", "required": False, "description": parameter.summary,
            "schema": schema}


def _body_schema(parameter: Parameter) -> dict[str, Any]:
    if parameter.kind is Kind.DURATION:
        return {"type": ["string", "number"], "examples": ["5m", 90]}
    if parameter.kind is Kind.FLAG:
        return {"oneOf": [{"type": "boolean"}, _query(parameter)["schema"], {"enum": [0, 1]}]}
    query_schema: dict[str, Any] = _query(parameter)["schema"]
    return query_schema


def _schemas() -> dict[str, Any]:
    snapshot = {f.name: _ANNOTATIONS[str(f.type)] for f in fields(Snapshot)}
    idle = Snapshot.of(Timer("example"), 0.0, 0.0).to_json()  # the fields every snapshot has
    message = {f.name: _ANNOTATIONS[str(f.type)] for f in fields(StageMessage)}
    allowed = {"type": "array", "items": {"type": "string", "enum": [c.value for c in Command]}}
    cue_on = {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/CueOn"}]}
    schedule = {"planned_ms": {"type": "integer"}, "offset_ms": {"type": ["integer", "null"]}}
    state = {"timer": {"$ref": "#/components/schemas/Snapshot"}, "message": {"$ref": "#/components/schemas/Message"},
             "allowed": allowed, "cue": cue_on, "next_cue": cue_on, **schedule,
             "server_time": {"type": "integer", "description": "epoch ms"}}
    ok = {"ok": {"const": True}}
    entry = {name: state[name] for name in LISTED_FIELDS}
    return {
        "Snapshot": {"type": "object", "properties": snapshot, "required": sorted(idle)},
        "Message": {"type": "object", "properties": message, "required": sorted(message)},
        "Timer": {"type": "object", "properties": {**ok, **state}, "required": ["ok", *state]},
        "ActionResult": {"type": "object", "required": ["ok", *state, "command"], "properties": {
            **ok, **state, "command": {"type": "string", "description": "the protocol command it ran"}}},
        "TimerList": {"type": "object", "required": ["ok", "timers", "truncated", "server_time"], "properties": {
            **ok, "truncated": {"type": "boolean"}, "server_time": {"type": "integer"},
            "timers": {"type": "array", "items": {"type": "object", "required": list(entry), "properties": entry}},
        }},
        **_rundown_schemas(schedule),
        "Error": {"type": "object", "required": ["ok", "error"], "properties": {"ok": {"const": False}, "error": {
            "type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": [code.value for code in API_CODES]},
                "message": {"type": "string"}}}}},
    }


def _rundown_schemas(schedule: dict[str, Any]) -> dict[str, Any]:
    cue = {"id": {"type": "string"}, "title": {"type": "string", "maxLength": MAX_TITLE_CHARS},
           "duration_ms": {"type": "integer", "minimum": MIN_CUE_MS, "maximum": MAX_CUE_MS},
           "note": {"type": "string", "maxLength": MAX_NOTE_CHARS}}
    cues = {"type": "array", "maxItems": MAX_CUES, "items": {"$ref": "#/components/schemas/Cue"}}
    return {
        "Cue": {"type": "object", "required": ["id", "title", "duration_ms", "note"], "properties": cue},
        "CueOn": {"type": "object", "required": ["index", "id", "title"], "properties": {
            "index": {"type": "integer"}, "id": cue["id"], "title": cue["title"], "note": cue["note"]}},
        "Rundown": {"type": "object", "required": ["ok", "timer", "cues", "auto_advance", "current", *schedule,
                                                   "server_time"], "properties": {
            "ok": {"const": True}, "timer": {"type": "string"}, "cues": cues, "auto_advance": {"type": "boolean"},
            "current": {"type": ["integer", "null"]}, **schedule, "server_time": {"type": "integer"}}},
        "RundownRequest": {"type": "object", "additionalProperties": False, "properties": {
            "cues": {"type": "array", "maxItems": MAX_CUES, "items": {"type": "object", "required": ["title",
                     "duration_ms"], "additionalProperties": False, "properties": cue}},
            "text": {"type": "string", "description": "one cue per line: Title, duration[, note]"},
            "auto_advance": {"type": "boolean"}}},
    }
