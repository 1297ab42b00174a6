"""The service description (design §4): pydantic models and safe loaders for YAML, JSON, Turtle and JSON-LD.

Every fact is optional except ``id`` and ``name``: ``None`` means "not stated", never "false". Unknown keys are
rejected so that a typo cannot silently turn a fact into an unknown.
"""

from __future__ import annotations

import re

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from .safetext import brief, clip
from .untrusted import InputError, decode, load_json, load_yaml, read_regular

Modality = Literal["text", "image", "audio", "video", "virtual_scene", "other"]
AlgorithmType = Literal[
    "generation_synthesis", "personalised_push", "ranking_selection", "search_filtering", "dispatch_decision"
]
PublicOpinionFeature = Literal[
    "forum", "blog", "microblog", "chat_room", "group_chat", "public_account", "comments", "short_video",
    "live_streaming", "information_sharing", "mini_program",
]
GenaiFilingStatus = Literal["filed", "registered", "pending", "none"]
AlgorithmFilingStatus = Literal["filed", "pending", "none"]
MetadataField = Literal[
    "Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2"
]
Months = StrictInt
Flag = StrictBool | None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provider(_Section):
    name: str | None = None
    credit_code: str | None = Field(None, description="Unified social credit code")
    based_in_mainland_china: Flag = None


class Reach(_Section):
    mainland_china_public: Flag = Field(None, description="Offered to the public in mainland China (GENAI-2023 Art 2)")
    enterprise_internal_only: Flag = Field(None, description="Developed or used only inside the company's own organisation")
    api_customers_serve_public: Flag = Field(None, description="Businesses using the API offer what it generates to the public in mainland China")
    minors: Flag = Field(None, description="People under 18 can use it")
    under_14: Flag = Field(None, description="Children under 14 can use it")
    elderly: Flag = Field(None, description="Designed for or widely used by elderly people (ALGO-2022 Art 19)")
    registered_users: StrictInt | None = Field(None, ge=0)
    monthly_active_users: StrictInt | None = Field(None, ge=0)
    large_platform: Flag = Field(None, description="Provides important internet platform services with a huge user base and "
                                 "complex types of business (PIPL-2021 Art 58)")
    large_minors_platform: Flag = Field(None, description="A platform with a very large number of minor users or a significant "
                                        "influence on minors, by the CAC's criteria (MINORS-2024 Art 20)")


class UpstreamModel(_Section):
    name: str | None = None
    filing_number: str | None = None


class Capabilities(_Section):
    generates: list[Modality] | None = Field(None, description="AI-generated or synthesised output; [] for none")
    may_confuse_public: Flag = Field(None, description="What it generates may confuse or mislead the public (DEEPSYN-2023 Art 17(1))")
    via_api: Flag = None
    upstream_model: UpstreamModel | None = None
    trains_models: Flag = None
    human_like_dialogue: Flag = None
    voice_synthesis: Flag = None
    face_or_body_editing: Flag = None
    immersive_scenes: Flag = None
    biometric_editing: Flag = None
    export: Flag = None
    unlabelled_on_request: Flag = None
    user_publishing: Flag = None
    hosts_user_content: Flag = None
    public_opinion_features: list[PublicOpinionFeature] | None = None
    public_opinion_capacity: Flag = None
    app_distribution: Flag = None
    recommendation: list[AlgorithmType] | None = None
    news_information: Flag = None
    sells_to_consumers: Flag = None
    dispatches_workers: Flag = None
    publishes_ai_content: Flag = None
    personal_information: Flag = None
    sensitive_personal_information: Flag = None
    automated_decisions: Flag = None
    emotional_companion: Flag = None
    digital_virtual_human: Flag = None
    real_person_likeness: Flag = None


class Controls(_Section):
    security_assessment: Flag = None
    genai_filing: GenaiFilingStatus | None = None
    genai_filing_number: str | None = None
    algorithm_filing: AlgorithmFilingStatus | None = None
    algorithm_filing_number: str | None = None
    filing_number_displayed: Flag = None
    explicit_labels: list[Modality] | None = None
    export_keeps_labels: Flag = None
    implicit_metadata_labels: Flag = None
    metadata_fields: list[MetadataField] | None = None
    watermarking: Flag = None
    agreement_explains_labelling: Flag = None
    unlabelled_output_log_months: Months | None = Field(None, ge=0)
    platform_checks_metadata: Flag = None
    platform_declaration_prompt: Flag = None
    platform_labels_suspected: Flag = None
    platform_writes_propagation_metadata: Flag = None
    app_review_checks_labelling: Flag = None
    app_review_checks_filings: Flag = None
    content_moderation: Flag = None
    illegal_content_library: Flag = None
    illegal_content_reporting: Flag = None
    rumour_refutation: Flag = None
    complaint_channel: Flag = None
    complaint_process_published: Flag = None
    real_identity_verification: Flag = None
    service_agreement: Flag = None
    intended_users_disclosed: Flag = None
    user_input_protection: Flag = None
    log_retention_months: Months | None = Field(None, ge=0)
    lawful_training_data: Flag = None
    training_data_quality: Flag = None
    annotation_rules: Flag = None
    poisoning_defences: Flag = None
    algorithm_disclosure: Flag = None
    personalisation_opt_out: Flag = None
    tag_management: Flag = None
    algorithm_review: Flag = None
    ethics_review: Flag = None
    no_price_discrimination: Flag = None
    elderly_mode: Flag = None
    worker_protections: Flag = None
    minors_mode: Flag = None
    anti_addiction: Flag = None
    guardian_consent: Flag = None
    no_automated_marketing_to_minors: Flag = None
    pipia: Flag = None
    separate_consent: Flag = None
    edited_person_consent: Flag = None
    biometric_tool_assessment: Flag = None
    ai_disclosure: Flag = None
    usage_reminders: Flag = None
    easy_exit: Flag = None
    crisis_handover: Flag = None
    no_virtual_intimacy_for_minors: Flag = None
    digital_human_label: Flag = None
    likeness_consent: Flag = None
    incident_response: Flag = None
    staff_training: Flag = None
    news_licence: Flag = None
    label_tamper_protection: Flag = None
    prerelease_label_verification: Flag = None
    anthropomorphic_assessment: Flag = Field(None, description="Security assessment under the Anthropomorphic AI Interaction "
                                             "Measures done, report filed with the provincial CAC (ANTHRO-2026 Art 22)")
    guardian_consent_to_use: Flag = Field(None, description="A guardian consents before a child under 14 uses the companion "
                                          "service (ANTHRO-2026 Art 14); not PIPL consent to process data")
    no_dependency_design: Flag = Field(None, description="Not designed to replace real social relationships or to build "
                                       "addiction or dependency (ANTHRO-2026, reported Art 10)")
    user_state_recognition: Flag = Field(None, description="Recognises users' emotional state and dependency and steps in on "
                                         "extreme emotion or addiction (ANTHRO-2026)")
    emergency_contacts: Flag = Field(None, description="Guardian or emergency-contact details are collected for minors and "
                                     "elderly users (ANTHRO-2026)")
    no_relative_simulation: Flag = Field(None, description="Never simulates an elderly user's relatives or other specific "
                                         "people close to them (ANTHRO-2026)")
    interaction_training_consent: Flag = Field(None, description="Interaction data and sensitive personal information train "
                                               "models only with the user's separate consent (ANTHRO-2026)")
    model_filing_displayed: Flag = Field(None, description="The app shows prominently the name and filing number of the "
                                         "generative AI model it uses (CAC practice under GENAI-2023 Art 17)")


class ServiceDescription(_Section):
    """A company's description of one AI service (input contract, version 1)."""

    id: str = Field(pattern=r"^[a-z0-9-]+$", max_length=100, description="Stable id, [a-z0-9-]+")
    name: str = Field(min_length=1)
    description: str | None = None
    launch_date: date | None = Field(None, description="Filing deadlines count from here")
    provider: Provider = Provider()
    reach: Reach = Reach()
    capabilities: Capabilities = Capabilities()
    controls: Controls = Controls()


SECTIONS = ("provider", "reach", "capabilities", "controls")


def slug(name: str) -> str:
    """An id for a service called ``name`` (a-z, 0-9, -), as the interview proposes it."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "service"


def leaf_paths(model: type[BaseModel] = ServiceDescription, prefix: str = "") -> list[str]:
    """Every fact path of the description, e.g. ``controls.log_retention_months``."""
    paths: list[str] = []
    for name, field in model.model_fields.items():
        inner = field.annotation
        nested = next((t for t in getattr(inner, "__args__", (inner,)) if isinstance(t, type) and issubclass(t, BaseModel)), None)
        if nested is not None:
            paths += leaf_paths(nested, f"{prefix}{name}.")
        else:
            paths.append(prefix + name)
    return paths


@lru_cache(maxsize=1)
def fact_path_set() -> frozenset[str]:
    """Every fact path of the description, as a set (made once)."""
    return frozenset(leaf_paths())


def list_paths() -> set[str]:
    """Fact paths whose value is a list (where [] means "none")."""
    return {p for p in leaf_paths() if _annotation(p) is not None and "list" in str(_annotation(p))}


def _annotation(path: str):
    model: type[BaseModel] = ServiceDescription
    *parents, leaf = path.split(".")
    for name in parents:
        inner = model.model_fields[name].annotation
        model = next(t for t in getattr(inner, "__args__", (inner,)) if isinstance(t, type) and issubclass(t, BaseModel))
    return model.model_fields[leaf].annotation


def stated_facts(desc: ServiceDescription) -> dict[str, Any]:
    """The facts the description states, by path (``[]`` counts as stated; ``None`` does not)."""
    flat: dict[str, Any] = {}

    def walk(model: BaseModel, prefix: str) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}{name}.")
            elif value is not None:
                flat[prefix + name] = value

    walk(desc, "")
    return flat


# ------------------------------------------------------------------------------------------------ loading


class DescriptionError(ValueError):
    """Bad input: names the file, the field path and the problem."""

    def __init__(self, source: str, field: str, problem: str):
        self.source, self.field, self.problem = source, field, problem
        super().__init__(f"{source}: {field}: {problem}")

    def __reduce__(self):  # so that worker processes can hand errors back
        return type(self), (self.source, self.field, self.problem)

    def as_dict(self) -> dict[str, str]:
        return {"file": self.source, "field": self.field, "problem": self.problem}


MAX_BYTES = 1 << 20
RDF_FORMATS = {".ttl": "turtle", ".jsonld": "json-ld"}


def parse_description(data: Any, source: str = "<input>") -> ServiceDescription:
    """Validate a parsed mapping; raise DescriptionError naming the first bad field."""
    if isinstance(data, ServiceDescription):
        return data
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise DescriptionError(source, "(top level)", f"expected a mapping of fields, got {kind}")
    try:
        return ServiceDescription.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        err = errors[0]
        field = ".".join(clip(str(p), 60) for p in err["loc"]) or "(top level)"      # keys are user text: bounded
        problem = clip(err["msg"], 300)
        if err["type"] == "extra_forbidden":
            problem = "unknown field (check the spelling against `aiduty schema`)"
        elif err["type"] == "missing":
            problem = "required field is missing"
        elif err["type"] == "literal_error":
            problem = f"{problem}; got {brief(err.get('input'))}"
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            problem = f"{problem}; got {brief(err['input'])}"
        more = len(errors) - 1
        if more:
            problem += f" (and {more} more problem{'s' if more > 1 else ''})"
        raise DescriptionError(source, field, problem) from None


def parse_text(text: str, fmt: str, source: str = "<input>") -> ServiceDescription:
    """Parse description text in ``fmt`` (yaml, json, turtle, json-ld); duplicate keys, YAML aliases, numbers of
    thousands of digits and too deep nesting are DescriptionErrors (see untrusted.py)."""
    if fmt in ("turtle", "json-ld"):
        from .rdf_input import description_from_rdf  # only RDF users pay for the import

        return parse_description(description_from_rdf(text, fmt, source), source)
    try:
        data = load_json(text) if fmt == "json" else load_yaml(text)
    except InputError as exc:
        raise DescriptionError(source, exc.field, exc.problem) from None
    return parse_description(data, source)


def json_body(raw: bytes, source: str = "request body") -> Any:
    """JSON bytes from an untrusted client (an API body, a JSON Lines line) as data, with the file loaders' rules:
    UTF-8 only, duplicate keys, huge numbers and too deep nesting refused (DescriptionError)."""
    try:
        return load_json(decode(raw, "(syntax)"))
    except InputError as exc:
        raise DescriptionError(source, exc.field, exc.problem) from None


def load_description(path: str | Path) -> ServiceDescription:
    """Read and validate one description file; the format follows the extension (YAML by default). Only a regular
    file of at most MAX_BYTES is read (a FIFO or /dev/zero is refused at once)."""
    path = Path(path)
    source = str(path)
    try:
        raw = read_regular(path, MAX_BYTES)
        if not raw.strip():
            raise InputError("(file)", "is empty")
        text = decode(raw)
    except InputError as exc:
        raise DescriptionError(source, exc.field, exc.problem) from None
    suffix = path.suffix.lower()
    fmt = RDF_FORMATS.get(suffix) or ("json" if suffix == ".json" else "yaml")
    return parse_text(text, fmt, source)
