"""``aiduty check --evidence DIR``: scan sample output files and turn what they show into label controls.

The scan fills ``controls.implicit_metadata_labels``, ``controls.metadata_fields`` and
``controls.platform_writes_propagation_metadata``. What the files show wins over what the description states:
a stated control the files contradict is replaced, and the report says so in a finding that names the files.
Only imported when ``--evidence`` is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .labels import ELEMENTS, PROPAGATOR, FileResult

FACTS = ("implicit_metadata_labels", "metadata_fields", "platform_writes_propagation_metadata")
SHOWN = 8          # files named per finding before "and N more"


@dataclass
class Observation:
    fact: str                        # e.g. controls.implicit_metadata_labels
    value: Any
    because: str
    contradicts: str | None = None   # the message when a stated value said otherwise


@dataclass
class Evidence:
    directory: str
    files: list[dict] = field(default_factory=list)     # (file, format, verdict, elements, codes): picklable for workers

    @property
    def media(self) -> list[dict]:
        return [f for f in self.files if f["format"] not in (None, "text") and f["verdict"] != "unreadable"]


class EvidenceError(ValueError):
    pass


def collect(directory: str, *, max_bytes: int | None = None, time_limit_s: float | None = None) -> Evidence:
    """Scan every file the label scan reads in ``directory`` (recursively)."""
    from .labelscan import MAX_FILE, TIME_LIMIT, expand, scan_file

    if not Path(directory).is_dir():
        raise EvidenceError(f"--evidence {directory}: not a directory")
    evidence = Evidence(directory)
    for path in expand([directory]):
        result = scan_file(path, max_bytes=max_bytes or MAX_FILE, time_limit_s=time_limit_s or TIME_LIMIT)
        evidence.files.append(_summary(result))
    if not evidence.files:
        raise EvidenceError(f"--evidence {directory}: no file the label scan reads")
    return evidence


def _summary(result: FileResult) -> dict:
    codes = [f.code for f in result.all_findings() if f.severity == "error"]
    first = next((f.message for f in result.all_findings() if f.severity == "error"), None)
    return {"file": result.file, "format": result.format, "verdict": result.verdict,
            "elements": sorted(k for k, v in result.elements().items() if k in ELEMENTS and v not in (None, "")),
            "labelled": bool(result.carriers), "codes": codes, "why": first}


def _names(files: list[dict], why: bool = False) -> str:
    shown = [f["file"] + (f" ({f['verdict']}" + (f": {_short(f['why'])}" if why and f.get("why") else "") + ")" if why else "")
             for f in files[:SHOWN]]
    more = len(files) - SHOWN
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _short(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[:n].rstrip() + "…"


def observe(evidence: Evidence, stated: dict[str, Any], hosts_user_content: bool | None) -> list[Observation]:
    """What the files say about each label control, compared with what the description states."""
    out: list[Observation] = []
    media = evidence.media
    where = evidence.directory
    if not media:
        return out
    bad = [f for f in media if f["verdict"] != "conformant"]
    value = not bad
    because = (f"all {len(media)} media files in {where} carry a conformant AIGC implicit label (GB 45438-2025 §6.1, Annex E)"
               if value else f"{len(bad)} of {len(media)} media files in {where} carry no conformant AIGC implicit label: {_names(bad, True)}")
    unreadable = [f for f in evidence.files if f["verdict"] == "unreadable"]
    if unreadable:
        because += f"; {len(unreadable)} unreadable files are not counted: {_names(unreadable, True)}"
    out.append(_compare("implicit_metadata_labels", value, because, stated))

    common = set(ELEMENTS)
    for f in media:
        common &= set(f["elements"])
    fields = [e for e in ELEMENTS if e in common]
    lacking = {e: [f for f in media if e not in f["elements"]] for e in stated.get("metadata_fields") or () if e not in common}
    because = ((f"every media file in {where} carries {', '.join(fields)}" if fields
                else f"no label element is common to every media file in {where}")
               + "".join(f"; {e} is missing from {_names(files)}" for e, files in lacking.items()))
    out.append(_compare("metadata_fields", fields, because, stated, lacking=lacking))

    labelled = [f for f in media if f["labelled"]]
    propagated = [f for f in labelled if all(e in f["elements"] for e in PROPAGATOR)]
    if labelled and (propagated or hosts_user_content or stated.get("platform_writes_propagation_metadata") is not None):
        missing = [f for f in labelled if f not in propagated]
        value = not missing
        because = (f"all {len(labelled)} labelled media files in {where} carry ContentPropagator and PropagateID "
                   "(LABEL-2025 Art. 6)" if value else
                   f"{len(missing)} of {len(labelled)} labelled media files in {where} lack ContentPropagator or "
                   f"PropagateID (LABEL-2025 Art. 6): {_names(missing)}")
        out.append(_compare("platform_writes_propagation_metadata", value, because, stated))
    return out


def _compare(name: str, value: Any, because: str, stated: dict[str, Any], lacking: dict | None = None) -> Observation:
    fact = f"controls.{name}"
    said = stated.get(name)
    obs = Observation(fact, value, f"evidence: {because}")
    if said is None:
        return obs
    if name == "metadata_fields":
        if not lacking:
            return obs
        obs.contradicts = (f"{fact} states {', '.join(said)}, but the sample files contradict it: "
                           + "; ".join(f"{e} is missing from {_names(files)}" for e, files in lacking.items())
                           + " — the check uses what the files show")
    elif said != value:
        obs.contradicts = f"{fact} states {str(said).lower()}, but the sample files show {str(value).lower()}: {because} — the check uses what the files show"
    return obs


def apply(desc, evidence: Evidence):
    """(the description with the label controls the files show, the observations)."""
    stated = {k: getattr(desc.controls, k) for k in FACTS}
    observations = observe(evidence, stated, desc.capabilities.hosts_user_content)
    update = {o.fact.split(".", 1)[1]: o.value for o in observations}
    if not update:
        return desc, observations
    return desc.model_copy(update={"controls": desc.controls.model_copy(update=update)}), observations


def annotate(report, observations: list[Observation], kb) -> None:
    """Put the observations into the report: a derived fact each, and each contradiction as a finding on the
    duties whose test reads that control."""
    from .report import DerivedFact, Finding

    for o in observations:
        value = o.value if not isinstance(o.value, list) else (", ".join(o.value) or "none")
        because = o.because + ("; this replaces the value the description stated" if o.contradicts else "")
        report.derived_facts.append(DerivedFact(fact=o.fact, value=value, because=because))
    contradictions = [o for o in observations if o.contradicts]
    if not contradictions:
        return
    for i, duty in enumerate(report.duties):
        reads = kb.duties[duty.id].requirement_reads if duty.id in kb.duties else None
        found = tuple(Finding(fact=o.fact, message=o.contradicts) for o in contradictions if reads and o.fact in reads)
        if found and duty.status != "not_applicable":
            # A new entry: the engine shares entries between reports, and caches each one's JSON.
            fields = {name: getattr(duty, name) for name in type(duty).model_fields}
            report.duties[i] = type(duty).model_construct(**{**fields, "findings": duty.findings + found})
