"""Namespaces and the one naming rule that maps description fields to facts properties."""

from __future__ import annotations

from functools import cache

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from .description import leaf_paths

AID = Namespace("https://w3id.org/aiduty/ns#")
CN = Namespace("https://w3id.org/aiduty/cn/")
SHP = Namespace("https://w3id.org/aiduty/shapes/")
SUBJ = Namespace("https://w3id.org/aiduty/cn/subject-to/")
OBLIGATION = Namespace("https://w3id.org/aiduty/cn/obligation/")
MOD = Namespace("https://w3id.org/aiduty/ns/modality#")
ALG = Namespace("https://w3id.org/aiduty/ns/algorithm-type#")
POF = Namespace("https://w3id.org/aiduty/ns/public-opinion-feature#")
FS = Namespace("https://w3id.org/aiduty/ns/filing-status#")
MDF = Namespace("https://w3id.org/aiduty/ns/metadata-field#")
DPV = Namespace("https://w3id.org/dpv#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SH = Namespace("http://www.w3.org/ns/shacl#")
PROV = Namespace("http://www.w3.org/ns/prov#")
TIME = Namespace("http://www.w3.org/2006/time#")

PREFIXES = {
    "aid": AID, "cn": CN, "shp": SHP, "subj": SUBJ, "obligation": OBLIGATION, "mod": MOD, "alg": ALG, "pof": POF,
    "fs": FS, "mdf": MDF, "dpv": DPV, "eli": ELI, "sh": SH, "prov": PROV, "time": TIME, "dct": DCTERMS,
    "skos": SKOS, "rdf": RDF, "rdfs": RDFS, "xsd": XSD,
}

# Fields whose values are IRIs of a concept scheme, by the field's last name.
ENUM_NAMESPACES = {
    "generates": MOD, "explicit_labels": MOD, "recommendation": ALG, "public_opinion_features": POF,
    "genai_filing": FS, "algorithm_filing": FS, "metadata_fields": MDF,
}
_TOP_LEVEL = {"id": "serviceId", "name": "serviceName", "description": "serviceDescription", "launch_date": "launchDate"}


def _camel(words: list[str]) -> str:
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def fact_property(path: str) -> URIRef:
    """``controls.log_retention_months`` -> aid:logRetentionMonths (see docs/authoring.md, "Facts")."""
    parts = path.split(".")
    if len(parts) == 1:
        return AID[_TOP_LEVEL[parts[0]]]
    leaf = parts[-1].split("_")
    if parts[0] == "provider":
        leaf = ["provider", *leaf]
    elif parts[-2] == "upstream_model":
        leaf = ["upstream", "model", *leaf]
    return AID[_camel(leaf)]


@cache
def fact_paths() -> dict[URIRef, str]:
    """Facts property -> description path, for every field."""
    return {fact_property(p): p for p in leaf_paths()}


def enum_namespace(path: str) -> Namespace | None:
    return ENUM_NAMESPACES.get(path.rsplit(".", 1)[-1])
