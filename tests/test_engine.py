"""Every status explains itself: the reason names the duty's condition, in the report's language."""

from datetime import date


def test_every_reason_names_the_condition_in_both_languages(engine, kb):
    desc = {"id": "half-known", "name": "Half known", "reach": {"mainland_china_public": True},
            "capabilities": {"generates": ["image"]}, "controls": {"explicit_labels": []}}
    for lang, prefix in (("en", {"unknown": "May apply: ", "gap": "Applies because ", "met": "Applies because "}),
                         ("zh", {"unknown": "可能适用：", "gap": "适用原因：", "met": "适用原因："})):
        report = engine.check(desc, as_of=date(2026, 11, 22), lang=lang)
        assert report.summary.gap and report.summary.unknown
        for duty in report.duties:
            if duty.status in prefix:
                label = kb.duties[duty.id].condition_label[lang]
                # unknown: "may apply" when the condition is unknown, "applies" when only the requirement is
                allowed = (prefix[duty.status] + label, prefix["gap"] + label)
                assert duty.applies_because[0].startswith(allowed), (duty.id, duty.applies_because)
            if duty.status == "unknown":
                assert duty.questions and duty.priority_reason


def test_gap_findings_and_citations(engine):
    # may_confuse_public is the explicit-label gate (DEEPSYN-2023 Art 17(1)); generating images alone is not
    desc = {"id": "img", "name": "Img", "reach": {"mainland_china_public": True},
            "capabilities": {"generates": ["image"], "may_confuse_public": True},
            "controls": {"explicit_labels": [], "implicit_metadata_labels": True}}
    duties = {d.id: d for d in engine.check(desc, as_of=date(2026, 11, 22)).duties}
    image = duties["label-2025-art4-1-3-image-label"]
    assert image.status == "gap" and image.findings[0].fact == "controls.explicit_labels"
    assert image.citations[0].label.en == "LABEL-2025 Art. 4(1) item 3"
    assert image.citations[0].label.zh == "《人工智能生成合成内容标识办法》第四条第一款第三项"
    assert duties["label-2025-art5-implicit-metadata"].status == "met"
