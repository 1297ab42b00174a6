"""The service description's JSON Schema (Draft 2020-12), explained field by field from the knowledge base.

Every fact field gets, from ontology/facts.ttl in the chosen language: ``title`` (skos:prefLabel), ``description``
(skos:definition), ``question`` (aid:question) and ``help`` (aid:help: plain words and an example); a fact whose
answer is a legal judgement also gets ``legalJudgement: true`` and ``guidance`` (aid:guidance). ``question``,
``help``, ``legalJudgement`` and ``guidance`` are annotation keywords: validators ignore them. The section
objects (provider, reach, capabilities, controls) and the upstream model keep the model's own texts.
"""

from __future__ import annotations

import copy
from typing import Any

from .description import ServiceDescription

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://w3id.org/aiduty/schema/service-description/v1"


def _pick(text: dict, lang: str) -> str:
    return text.get(lang) or text.get("en") or text.get("zh") or ""


def service_schema(kb, lang: str = "en") -> dict[str, Any]:
    """The JSON Schema of the service description, with each fact explained in ``lang`` (a fresh copy)."""
    key = (getattr(kb, "content_hash", None), lang)
    if key not in _CACHE:
        _CACHE[key] = _schema(kb, lang)
    return copy.deepcopy(_CACHE[key])


_CACHE: dict[tuple, dict[str, Any]] = {}


def _schema(kb, lang: str) -> dict[str, Any]:
    base = ServiceDescription.model_json_schema()
    schema: dict[str, Any] = {"$schema": DIALECT, "$id": SCHEMA_ID if lang == "en" else f"{SCHEMA_ID}/{lang}", **base}
    defs = schema.get("$defs", {})

    def target(node: dict) -> dict | None:
        """The object schema a property refers to (directly, or in an anyOf with null), if any."""
        for item in [node] + list(node.get("anyOf", ())):
            ref = item.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return defs.get(ref.rsplit("/", 1)[1])
        return None

    def walk(obj: dict, prefix: str, seen: frozenset) -> None:
        for name, prop in obj.get("properties", {}).items():
            path = prefix + name
            inner = target(prop)
            if inner is not None:
                key = id(inner)
                if key not in seen:
                    walk(inner, path + ".", seen | {key})
                continue
            info = kb.fact_for_path(path)
            if info is None:
                continue
            for word, text in (("title", info.label), ("description", info.definition),
                               ("question", info.question), ("help", info.help)):
                if _pick(text, lang):
                    prop[word] = _pick(text, lang)
            if info.legal_judgement:
                prop["legalJudgement"] = True
                if _pick(info.guidance, lang):
                    prop["guidance"] = _pick(info.guidance, lang)

    walk(schema, "", frozenset())
    return schema
