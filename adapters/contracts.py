"""The written contracts of the outside systems: one OpenAPI 3.1 document beside each adapter.

A school connects onecard to what it already runs (its card system's vendor, the fee systems, the
bank…) through a bridge of its own. The bridge's author reads `adapters/<system>/openapi.yaml`, not
our Python; `onecard conformance` runs the contract's behaviour against the bridge, and the tests
keep the documents, our HTTP clients and our simulators in step. This module only reads a document
and checks a body against it: JSON Schema 2020-12, which is what an OpenAPI 3.1 schema is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

#: The name a school's IT staff use for each system (`onecard conformance SYSTEM`) → its adapter's folder.
SYSTEMS = {"card-system": "cardsystem", "fees": "fees", "campus-data": "campusdata", "bank": "bank", "sms": "sms"}

ADAPTERS = Path(__file__).resolve().parent


def path_of(system: str) -> Path:
    """Where `system`'s contract lives."""
    return ADAPTERS / SYSTEMS[system] / "openapi.yaml"


@dataclass(frozen=True)
class Contract:
    """One system's OpenAPI document, with its schemas ready to check bodies against."""

    system: str
    document: dict[str, Any]
    _registry: Registry[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        object.__setattr__(self, "_registry", Registry().with_resource(self.uri, resource))

    @property
    def uri(self) -> str:
        return f"urn:onecard:contract:{self.system}"

    def operation(self, method: str, path: str) -> dict[str, Any]:
        """The operation at `path` (as the document writes it, `/holders/{student_no}`); KeyError if none."""
        return dict(self.document["paths"][path][method.lower()])

    def operations(self) -> list[tuple[str, str]]:
        """Every (METHOD, path) the contract describes."""
        verbs = {"get", "put", "post", "delete", "patch"}
        return [(m.upper(), p) for p, item in self.document["paths"].items() for m in item if m in verbs]

    def timeout(self, method: str, path: str) -> float | None:
        """The seconds onecard waits for this operation (`x-onecard-timeout`), when the contract says."""
        value = self.operation(method, path).get("x-onecard-timeout")
        return None if value is None else float(value)

    def match(self, method: str, path: str) -> str | None:
        """The contract's path template a concrete `path` (`/holders/20240001`) is an instance of,
        for `method`; a literal segment wins over a `{parameter}`. None: no such operation."""
        parts = path.strip("/").split("/")
        candidates = []
        for template, item in self.document["paths"].items():
            segments = template.strip("/").split("/")
            if method.lower() not in item or len(segments) != len(parts):
                continue
            if all(s == p or (s.startswith("{") and s.endswith("}") and p)
                   for s, p in zip(segments, parts, strict=True)):
                candidates.append((sum(s.startswith("{") for s in segments), template))
        return min(candidates)[1] if candidates else None

    def response_problems(self, method: str, path: str, status: int, body: Any) -> list[str]:
        """What is wrong with an answer `status` + `body` to `METHOD path`: an undocumented status,
        or a body its schema refuses (each problem says where in the body)."""
        pointer = self.response_schema(method, path, status)
        if pointer is None:
            responses = self.operation(method, path)["responses"]
            return [f"HTTP {status} is not an answer the contract documents for {method.upper()} {path} "
                    f"(documented: {', '.join(sorted(responses))})"]
        return self._problems(pointer, body) if pointer else []

    def response_schema(self, method: str, path: str, status: int) -> str | None:
        """The JSON Pointer of the schema of a `status` answer to `METHOD path` ("" when that answer
        has no JSON body); None when the contract documents no such answer."""
        base = f"/paths/{_escape(path)}/{method.lower()}/responses"
        responses = self._at(base)
        key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
        if key not in responses:
            key = "default"
        if key not in responses:
            return None
        pointer = self._follow(f"{base}/{key}")
        if "application/json" not in self._at(pointer).get("content", {}):
            return ""
        return f"{pointer}/content/application~1json/schema"

    def request_problems(self, method: str, path: str, body: Any) -> list[str]:
        """What is wrong with a request body we send (tests hold our clients to the contract)."""
        pointer = self.request_schema(method, path)
        if not pointer:
            return [] if body is None else [f"{method.upper()} {path} takes no JSON body in the contract"]
        if body is None:
            return [f"{method.upper()} {path} needs a JSON body in the contract"]
        return self._problems(pointer, body)

    def request_schema(self, method: str, path: str) -> str:
        """The JSON Pointer of the schema of `METHOD path`'s JSON request body ("" when it takes none)."""
        pointer = self._follow(f"/paths/{_escape(path)}/{method.lower()}/requestBody")
        content = self._at(pointer).get("content", {}) if pointer else {}
        return f"{pointer}/content/application~1json/schema" if "application/json" in content else ""

    def undocumented(self, pointer: str, body: Any) -> list[str]:
        """The fields of `body` that the schema at `pointer` does not name (the contract leaves room
        for more; our own clients and simulators send none it does not write down)."""
        return sorted(set(self._undocumented(self._at(pointer), body, "")))

    def _undocumented(self, schema: Any, body: Any, where: str) -> list[str]:
        parts = self._parts(schema)
        found: list[str] = []
        if isinstance(body, dict):
            named: dict[str, list[Any]] = {}
            for part in parts:
                for name, sub in part.get("properties", {}).items():
                    named.setdefault(name, []).append(sub)
            for name, value in body.items():
                if name not in named:
                    found.append(f"{where}{name}")
                for sub in named.get(name, []):
                    found += self._undocumented(sub, value, f"{where}{name}/")
        elif isinstance(body, list):
            for part in parts:
                if "items" in part:
                    for value in body:
                        found += self._undocumented(part["items"], value, f"{where}*/")
        return found

    def _parts(self, schema: Any) -> list[dict[str, Any]]:
        """`schema` and the schemas it is composed of (allOf, anyOf, oneOf, if/then/else), `$ref`s followed."""
        parts, waiting = [], [schema]
        while waiting:
            part = waiting.pop()
            if not isinstance(part, dict):
                continue
            if isinstance(part.get("$ref"), str):
                waiting.append(self._at(part["$ref"].removeprefix("#")))
            parts.append(part)
            waiting += [*part.get("allOf", []), *part.get("anyOf", []), *part.get("oneOf", [])]
            waiting += [part.get(k) for k in ("if", "then", "else")]
        return parts

    def query_problems(self, method: str, path: str, query: dict[str, str]) -> list[str]:
        """What is wrong with the query parameters of a request: one the contract does not name, a
        required one missing, or a value its schema refuses (numbers arrive as text)."""
        declared = {}
        for index, _ in enumerate(self.operation(method, path).get("parameters", [])):
            pointer = self._follow(f"/paths/{_escape(path)}/{method.lower()}/parameters/{index}")
            parameter = self._at(pointer)
            if parameter["in"] == "query":
                declared[parameter["name"]] = (pointer, parameter)
        problems = [f"query parameter {name!r} is not in the contract of {method.upper()} {path}"
                    for name in query if name not in declared]
        for name, (pointer, parameter) in declared.items():
            if name not in query:
                if parameter.get("required"):
                    problems.append(f"query parameter {name!r} is required by {method.upper()} {path}")
                continue
            value: Any = query[name]
            if parameter.get("schema", {}).get("type") == "integer":
                value = int(value) if value.lstrip("-").isdigit() else value
            problems += [f"query {name}: {p.partition(': ')[2]}" for p in self._problems(f"{pointer}/schema", value)]
        return problems

    def webhook_response_problems(self, name: str, status: int, body: Any) -> list[str]:
        """onecard's answer `status` + `body` to webhook `name`, against what the contract documents."""
        responses = self._at(f"/webhooks/{_escape(name)}/post/responses")
        if str(status) not in responses:
            return [f"HTTP {status} is not an answer the contract documents for webhook {name} "
                    f"(documented: {', '.join(sorted(responses))})"]
        pointer = self._follow(f"/webhooks/{_escape(name)}/post/responses/{status}")
        return self._problems(f"{pointer}/content/application~1json/schema", body)

    def webhook_problems(self, name: str, body: Any) -> list[str]:
        """A body the system POSTs to onecard as webhook `name`, against its request schema."""
        pointer = self._follow(f"/webhooks/{_escape(name)}/post/requestBody")
        return self._problems(f"{pointer}/content/application~1json/schema", body)

    def example_problems(self) -> list[str]:
        """The examples written beside the request and response schemas that those schemas refuse
        (a vendor copies them: they must be right)."""
        problems = []
        for method, path in self.operations():
            pointers = [(f"{method} {path} request", self.request_schema(method, path))]
            pointers += [(f"{method} {path} {status}", self.response_schema(method, path, int(status)) or "")
                         for status in self.operation(method, path)["responses"] if status.isdigit()]
            for where, pointer in pointers:
                if not pointer:
                    continue
                media = self._at(pointer.removesuffix("/schema"))
                examples = [("example", media["example"])] if "example" in media else []
                examples += [(name, e["value"]) for name, e in media.get("examples", {}).items()]
                problems += [f"{where} {name}: {p}" for name, body in examples for p in self._problems(pointer, body)]
        return problems

    def _at(self, pointer: str) -> Any:
        node: Any = self.document
        for token in pointer.split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            node = node[int(key)] if isinstance(node, list) else node[key]
        return node

    def _follow(self, pointer: str) -> str:
        """`pointer`, or where the `$ref` there leads (a response, parameter or request body kept in
        `components`); "" when nothing is there."""
        try:
            node = self._at(pointer)
        except (KeyError, IndexError, TypeError):
            return ""
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            pointer = node["$ref"][1:]
            node = self._at(pointer)
        return pointer

    def schema_problems(self, name: str, body: Any) -> list[str]:
        """`body` against `components/schemas/<name>` (the webhook's event, for one)."""
        return self._problems(f"/components/schemas/{_escape(name)}", body)

    def _problems(self, pointer: str, body: Any) -> list[str]:
        validator = Draft202012Validator({"$ref": f"{self.uri}#{quote(pointer)}"}, registry=self._registry)
        return [f"{'/'.join(str(p) for p in error.absolute_path) or '(the body)'}: {error.message}"
                for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))]


def _escape(token: str) -> str:
    """A JSON Pointer token (RFC 6901): `~` and `/` escaped."""
    return token.replace("~", "~0").replace("/", "~1")


@cache
def load(system: str) -> Contract:
    """`system`'s contract, read once per process."""
    return Contract(system, yaml.safe_load(path_of(system).read_text(encoding="utf-8")))
