"""Every user-facing word the code itself writes, in English and Chinese (the law's words live in the knowledge base).

WORDS: the engine's reasons; HEADINGS: the renderers' headings; CARD_WORDS: `aiduty show`; SIGNALS: how a priority reason names a campaign,
a precedent or a fine (the reason templates themselves are in ontology/priority.ttl); CI_WORDS, CATALOGUE_WORDS: the CI
formats and the catalogue's lists; INTERVIEW_WORDS, CHECKLIST_WORDS, SECTION_WORDS: `aiduty interview`.
"""

from __future__ import annotations

from datetime import date

WORDS = {
    "en": {"applies": "Applies because {}", "not": "Does not apply: {}", "unknown": "May apply: {} (not yet known)",
           "upcoming_draft": "Draft, not binding: planned for, it would apply because {}",
           "upcoming_date": "In force from {date}; it will apply because {why}", "lapsed": "No longer in force after {}",
           "role": "role {}", "not_followed": "Recommendation not followed: {}"},
    "zh": {"applies": "适用原因：{}", "not": "不适用：{}", "unknown": "可能适用：{}（尚不确定）",
           "upcoming_draft": "征求意见稿，尚无约束力：如通过，将因以下原因适用：{}",
           "upcoming_date": "自{date}起施行；届时将因以下原因适用：{why}", "lapsed": "已于{}后失效",
           "role": "角色 {}", "not_followed": "未遵循推荐性要求：{}"},
}

HEADINGS = {
    "en": {"gap": "Gaps", "unknown": "Unknown: answer the questions", "upcoming": "Upcoming", "applicable": "Applicable (nothing to confirm in a description)",
           "met": "Met", "attested": "Attested (signed off)", "not_applicable": "Not applicable", "roles": "Roles", "questions": "Questions to answer",
           "duty": "Duty", "cite": "Citation", "why": "Why", "prio": "Priority", "summary": "Summary",
           "derived": "Derived facts", "unlocks": "settles", "fix": "Remediation", "penalty": "Penalty",
           "role_unknown": "may hold (unknown)", "conf": "Confidence", "campaign": "Campaign targets", "prec": "Precedents",
           "title": "compliance check", "as_of": "as of {day}", "kb": "knowledge base {version}",
           "actions": "Top actions", "entries": "{n} to do", "no_action": "(no grouped action)",
           "verdict_gap": "Not compliant yet: {gap} gaps to close, in {actions} actions.",
           "verdict_unknown": "No gap found, but {unknown} duties depend on {questions} open questions.",
           "verdict_ok": "No gap found: every duty that applies is met or cannot be confirmed from a description.",
           "verdict_more": " {unknown} duties are still unknown ({questions} questions).",
           "verdict_upcoming": " {upcoming} duties will apply later.",
           "counted": "Counted, not listed", "see_all": "use --all to list them",
           "p_critical": "critical", "p_high": "high", "p_medium": "medium", "p_low": "low", "n_gaps": "{n} gaps",
           "st_gap": "gaps", "st_unknown": "unknown", "st_upcoming": "upcoming", "st_applicable": "applicable",
           "st_attested": "attested", "st_met": "met", "st_not_applicable": "not applicable"},
    "zh": {"gap": "缺口", "unknown": "待确认：请回答问题", "upcoming": "即将适用", "applicable": "适用（描述无法确认履行情况）",
           "met": "已满足", "attested": "已签核确认", "not_applicable": "不适用", "roles": "角色", "questions": "待回答的问题",
           "duty": "义务", "cite": "依据", "why": "原因", "prio": "优先级", "summary": "汇总",
           "derived": "推导出的事实", "unlocks": "可确定", "fix": "整改建议", "penalty": "处罚",
           "role_unknown": "可能适用（尚不确定）", "conf": "可信度", "campaign": "专项行动重点", "prec": "执法案例",
           "title": "合规检查", "as_of": "检查日期 {day}", "kb": "知识库 {version}",
           "actions": "首要整改行动", "entries": "{n} 项待办", "no_action": "（无归并行动）",
           "verdict_gap": "尚未合规：有 {gap} 个缺口待整改，可归为 {actions} 项行动。",
           "verdict_unknown": "未发现缺口，但有 {unknown} 项义务取决于 {questions} 个待回答的问题。",
           "verdict_ok": "未发现缺口：适用的义务均已满足，或无法通过服务描述确认。",
           "verdict_more": "另有 {unknown} 项义务尚不确定（{questions} 个问题）。",
           "verdict_upcoming": "{upcoming} 项义务将于日后适用。",
           "counted": "仅计数、未列出", "see_all": "使用 --all 列出",
           "p_critical": "紧急", "p_high": "高", "p_medium": "中", "p_low": "低", "n_gaps": "{n} 个缺口",
           "st_gap": "缺口", "st_unknown": "待确认", "st_upcoming": "即将适用", "st_applicable": "适用",
           "st_attested": "已签核", "st_met": "已满足", "st_not_applicable": "不适用"},
}

# The labels of `aiduty show`'s obligation card.
CARD_WORDS = {
    "en": {"cites": "Citations", "rule": "Rule type", "bearer": "Bearer", "status": "Instrument status",
           "confidence": "Confidence", "in_force": "In force", "applies": "Applies when", "met": "Met when",
           "unconfirmable": "no service description can confirm it (reported as 'applicable')", "fix": "Remediation",
           "penalty": "Penalty", "campaign_targets": "Campaign targets", "precedents": "Precedents",
           "specialises": "Specialises", "specialised_by": "Specialised by", "overlaps": "Overlaps with",
           "replaces": "Replaces", "replaced_by": "Replaced by", "supports": "Supports", "supported_by": "Supported by",
           "sources": "Sources", "fine": "Fine"},
    "zh": {"cites": "依据", "rule": "规则类型", "bearer": "义务主体", "status": "文件效力", "confidence": "可信度",
           "in_force": "施行", "applies": "适用条件", "met": "满足条件", "unconfirmable": "无法通过服务描述确认（报告为“适用”）",
           "fix": "整改建议", "penalty": "处罚", "campaign_targets": "专项行动重点", "precedents": "执法案例",
           "specialises": "细化", "specialised_by": "被细化于", "overlaps": "内容重叠", "replaces": "取代",
           "replaced_by": "被取代于", "supports": "支撑", "supported_by": "受支撑于", "sources": "来源", "fine": "罚款"},
}

# Fragments of priority reasons: a campaign with its dates and targets, a precedent by its title, a fine by its tier.
SIGNALS = {
    "en": {"campaign": "{campaign} ({window}): {targets}",
           "target_phase": "“{target}” ({phase})", "target": "“{target}”",
           "recurring": "targeted in {first}, and again in {later}",
           "recurring_ended": "; all have ended", "recurring_running": "; the later campaign is still running but does not name this duty",
           "ended": "named by {campaign}, which ended on {end}; no later campaign has targeted it again",
           "precedent": "“{title}” ({date})",
           "fine": "an ordinary-tier fine of up to RMB {amount:,} ({provision})",
           "ceiling": "; the ceiling of RMB {ceiling:,} needs serious consequences and is shown for information only",
           "also": "; also: {}", "and": " and ", "sep": "; "},
    "zh": {"campaign": "{campaign}（{window}）整治重点{targets}",
           "target_phase": "“{target}”（{phase}）", "target": "“{target}”",
           "recurring": "曾在{first}中被列为整治重点，又在{later}中再次被列为整治重点",
           "recurring_ended": "；上述行动均已结束", "recurring_running": "；后一行动仍在开展，但未点名本义务",
           "ended": "曾被{campaign}列为整治重点，该行动已于{end}结束，此后未再被列为整治重点",
           "precedent": "“{title}”（{date}）",
           "fine": "一般档次最高罚款人民币{amount:,}元（{provision}）",
           "ceiling": "；最高人民币{ceiling:,}元的罚款须有严重后果，仅供参考",
           "also": "；另：{}", "and": "、", "sep": "；"},
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date, lang: str) -> str:
    """28 Apr 2026 · 2026年4月28日"""
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def window_text(start: date | None, end: date | None, lang: str) -> str:
    """30 Apr–30 Jul 2025 · 2025年4月30日至7月30日 (the year once when both days share it)."""
    if start is None or end is None:
        return day_text(start or end, lang) if (start or end) else ""
    if lang == "zh":
        tail = f"{end.month}月{end.day}日" if start.year == end.year else day_text(end, lang)
        return f"{day_text(start, lang)}至{tail}"
    head = f"{start.day} {MONTHS[start.month - 1]}" if start.year == end.year else day_text(start, lang)
    return f"{head}–{day_text(end, lang)}"


# CI formats (render_ci.py): SARIF, JUnit XML and OSCAL assessment results.
CI_WORDS = {
    "en": {"tool": "Checks an AI service description against the duties of China's AI regulations.",
           "cites": "Cites: ", "fix": "Remediation: ", "penalty": "Penalty: ", "questions": "Still to answer: ",
           "unknown": "Unknown: ", "applicable": "Applies; no service description can confirm it.",
           "status": {"gap": "Gap", "unknown": "Unknown", "applicable": "Applies (cannot be confirmed from a description)",
                      "met": "Met"},
           "result": "aiduty check of {source} as of {day} (knowledge base {kb}).",
           "controls": "Every duty of the aiduty knowledge base that applies to the service.",
           "oscal_title": "aiduty assessment results",
           "plan": "No separate assessment plan: the plan is aiduty's knowledge base of duties."},
    "zh": {"tool": "对照中国人工智能法规规定的义务检查人工智能服务描述。",
           "cites": "依据：", "fix": "整改建议：", "penalty": "处罚：", "questions": "待回答：",
           "unknown": "未知：", "applicable": "适用；无法通过服务描述确认。",
           "status": {"gap": "缺口", "unknown": "未知", "applicable": "适用（无法通过描述确认）", "met": "已满足"},
           "result": "aiduty 对 {source} 的检查，基准日 {day}（知识库 {kb}）。",
           "controls": "aiduty 知识库中适用于该服务的全部义务。",
           "oscal_title": "aiduty 评估结果",
           "plan": "无单独的评估计划：计划即 aiduty 的义务知识库。"},
}


# The catalogue's fine column (catalogue.fine_text): the ordinary tier and the ceiling, in CNY.
CATALOGUE_WORDS = {
    "en": {"fine": "¥{}", "fine_range": "¥{low} (up to ¥{high})"},
    "zh": {"fine": "{}元", "fine_range": "{low}元（最高{high}元）"},
}

# `aiduty interview` (interview_cli.py): prompts, help labels and the YAML it writes
INTERVIEW_WORDS = {
    "en": {
        "title": "aiduty interview — {name} ({id}), as of {day}",
        "keys": "Answer with a number (or the value); ? help · d don't know · b back · q save and quit",
        "status": "[gap {gap} · unknown {unknown} · settled {settled} of {total}]",
        "settles": "Settles {n} open dut{ies} whatever the answer{most}.",
        "most": " (up to {n})",
        "hinges": "Provisions that hinge on it: {}",
        "more": " and {} more",
        "yes": "yes", "no": "no",
        "multi": "Choose any: numbers separated by commas; 0 for none.",
        "int": "Type a whole number.", "date": "Type a date, YYYY-MM-DD.", "str": "Type the answer.",
        "bad": "Not understood: {}. Type ? for help.",
        "refused": "That answer cannot be used: {}",
        "undone": "Undid {}.", "nothing_to_undo": "Nothing to undo.",
        "done": "No question left can change the status of any duty.",
        "saved": "Saved to {}.",
        "name": "What is the service called? ", "id": "A short id for it (a-z, 0-9, -) [{}]: ",
        "meaning": "What it means: {}", "example": "Example: {}", "help_text": "Help: {}",
        "answers": "Open duties each answer settles: {}", "dont_know": "don't know",
        "help_keys": "d: don't know (the fact stays unknown and is not asked again) · b: back · q: save and quit",
        "roles": "Roles it decides: {}",
        "judgement": "A legal judgement, not a product fact. What the law says: {}",
        "checklist": "Type the numbers of those that hold (e.g. 1 3); 0 for none; add ? to a number for don't know "
                     "(e.g. 2?); d: don't know for all.",
        "header": "# Service description written by `aiduty interview` (as of {day}). Each fact follows its question.\n"
                  "# Run `aiduty interview {file}` to carry on; facts answered \"don't know\" are listed below.",
    },
    "zh": {
        "title": "aiduty 问答 — {name}（{id}），截至 {day}",
        "keys": "请输入编号（或取值）；? 帮助 · d 不知道 · b 返回上一题 · q 保存并退出",
        "status": "[缺口 {gap} · 未知 {unknown} · 已确定 {settled}/{total}]",
        "settles": "无论如何回答，都能确定 {n} 项待定义务{most}。",
        "most": "（最多 {n} 项）",
        "hinges": "取决于此问题的条款：{}",
        "more": " 等另外 {} 条",
        "yes": "是", "no": "否",
        "multi": "可多选：以逗号分隔编号；输入 0 表示“都没有”。",
        "int": "请输入整数。", "date": "请输入日期，格式 YYYY-MM-DD。", "str": "请输入答案。",
        "bad": "无法识别：{}。输入 ? 查看帮助。",
        "refused": "该答案无法使用：{}",
        "undone": "已撤销 {}。", "nothing_to_undo": "没有可撤销的回答。",
        "done": "剩余问题均不会改变任何义务的状态。",
        "saved": "已保存到 {}。",
        "name": "服务名称是什么？", "id": "服务标识（a-z、0-9、-）[{}]：",
        "meaning": "含义：{}", "example": "示例：{}", "help_text": "说明：{}",
        "answers": "各答案可确定的待定义务数：{}", "dont_know": "不知道",
        "help_keys": "d：不知道（该事实保持未知，不再询问） · b：返回上一题 · q：保存并退出",
        "roles": "影响的角色：{}",
        "judgement": "这是法律判断，不是产品事实。法律依据：{}",
        "checklist": "输入属实或已落实各项的编号（如 1 3）；输入 0 表示都没有；编号后加 ? 表示不知道（如 2?）；d：全部不知道。",
        "header": "# 由 `aiduty interview` 生成的服务描述（截至 {day}）。每项事实前为其问题。\n"
                  "# 运行 `aiduty interview {file}` 可继续回答；回答“不知道”的事实列在下一行。",
    },
}

# the interview's checklists (interview.py)
CHECKLIST_WORDS = {
    "en": {"label": "In place under {}", "question": "Which of these are in place? (Select all that are; one not "
           "selected is \"no\"; \"don't know\" leaves it unknown.)"},
    "zh": {"label": "{}项下的措施", "question": "以下哪些措施已经落实？（全选已落实的；未选即为“否”；“不知道”则保持未知。）"},
}

# the description's sections, as a checklist of one of them is titled (SECTION_WORDS["label"])
SECTION_NAMES = {
    "en": {"provider": "who provides it", "reach": "who it reaches", "capabilities": "what it does",
           "controls": "what is in place"},
    "zh": {"provider": "提供者", "reach": "面向对象", "capabilities": "功能", "controls": "已落实的措施"},
}

SECTION_WORDS = {
    "en": {"label": "About the service ({})", "question": "Which of these are true of the service? (Select all that "
           "are; one not selected is \"no\"; \"don't know\" leaves it unknown.)"},
    "zh": {"label": "服务情况（{}）", "question": "以下哪些情况属实？（全选属实的；未选即为“否”；“不知道”则保持未知。）"},
}

# The web app (web.py, templates/): every word its pages show that the knowledge base does not supply
WEB_WORDS = {
    "en": {
        # catalogue pages (routes/pages_catalogue.py: /catalogue, /obligations/{id}, /instruments, /campaigns, /diff)
        "cat_title": "Obligations", "cat_intro": "Every duty in the knowledge base. Search by words in English or "
                     "Chinese (titles, texts, citations and ids), or narrow the list with the filters.",
        "f_legend": "Search and filters", "f_search": "Words", "f_search_hint": "English words match whole words, "
                    "Chinese as written; every word must match.", "f_instrument": "Instrument", "f_role": "Role",
        "f_role_hint": "includes the duties of its broader roles", "f_campaign": "Campaign target", "f_status": "Status",
        "f_as_of": "In force on", "f_as_of_hint": "with a status: the status on this day (default today)",
        "f_article": "Article", "f_any": "Any", "f_apply": "Search", "f_clear": "Clear all filters",
        "all_targets": "{code}: all targets", "n_results": "{n} obligations", "n_results_one": "1 obligation",
        "results": "Results", "no_results": "No obligation matches these filters.",
        "no_results_hint": "Try removing a filter or a word:", "without": "without {name}",
        "bad_filter": "These filters cannot be used, so nothing was searched:",
        "bad_role": "Unknown role “{value}”: choose one from the list.",
        "bad_instrument": "Unknown instrument “{value}”: choose one from the list.",
        "bad_campaign": "Unknown campaign “{value}”: choose one from the list.",
        "bad_target": "Campaign {code} has no target “{value}”.",
        "bad_status": "Unknown status “{value}”: draft, in-force, upcoming or lapsed.",
        "bad_date": "{name}: “{value}” is not a date; write it as YYYY-MM-DD, e.g. 2026-01-01.",
        "bad_article": "Article: “{value}” is not an article number.",
        "bad_format": "Unknown download format “{value}”: csv or xlsx.",
        "bad_search": "Words: at most {n} characters.",
        "downloads": "Download this list", "download_csv": "CSV", "download_xlsx": "Excel (XLSX)",
        "col_title": "Title", "col_code": "Code", "col_type": "Type", "col_duties": "Duties",
        "col_from": "In force from", "col_until": "Until", "col_published": "Published", "col_regulators": "Issued by",
        "col_state": "State", "col_window": "Window", "col_targets": "Targets",
        "status_draft": "draft", "status_in_force": "in force", "status_upcoming": "upcoming", "status_lapsed": "lapsed",
        "status_unpublished": "not yet published",
        "inst_binding": "binding", "inst_binding_standard": "mandatory standard",
        "inst_recommended_standard": "recommended standard", "inst_draft": "draft, not binding",
        "conf_official_text": "official text", "conf_credible_secondary": "credible secondary source",
        "conf_reported": "reported", "rule_obligation": "obligation", "rule_prohibition": "prohibition",
        "rule_recommendation": "recommendation", "camp_active": "active", "camp_upcoming": "upcoming",
        "camp_past": "past", "camp_unknown": "dates unknown", "lang_name_en": "English", "lang_name_zh": "中文",
        "card_texts": "The duty in both languages", "card_details": "Details", "card_status_today": "Status today",
        "card_article_duties": "all duties of this article",
        "card_condition": "as tested", "card_no_fine": "no fine amount recorded",
        "card_no_sources": "no source link recorded for this instrument",
        "card_target": "{campaign} ({start} – {end}): {target}",
        "missing_duty": "There is no obligation “{id}”.", "missing_instrument": "There is no instrument “{id}”.",
        "missing_campaign": "There is no campaign “{id}”.", "did_you_mean": "Did you mean:",
        "back_catalogue": "Back to the catalogue",
        "inst_title": "Instruments", "inst_intro": "The laws, rules, standards and drafts the duties come from. "
                      "Drafts and recommended standards are not binding; they are kept apart in every list.",
        "inst_sources": "Sources", "inst_superseded_by": "Superseded by", "inst_duties": "Its duties ({n})",
        "inst_search": "Search and filter its duties", "inst_short": "Short title", "inst_summary": "Summary",
        "camp_title": "Enforcement campaigns", "camp_intro": "Campaigns are not law: they show which duties "
                      "regulators are checking, and when. Their state is judged on the day you choose.",
        "camp_state_on": "State on", "camp_show": "Show", "camp_targets": "Targets ({n})",
        "camp_target_duties": "Duties it polices", "camp_phase": "Phase", "camp_kind": "Kind",
        "camp_part_of": "Part of", "camp_continues": "Continues", "camp_regulators": "Run by",
        "camp_duties_link": "all duties it targets",
        "diff_title": "What changed between two dates", "diff_intro": "Duties renumbered (a new citation for the same "
                      "duty), that came into force, that lapsed, and the penalties that changed with a renumbering.",
        "diff_from": "From", "diff_to": "To", "diff_role": "Role (optional)", "diff_go": "Compare",
        "diff_pick": "Choose two dates to compare, e.g. 2025-12-31 and 2026-01-01 (the amended Cybersecurity Law).",
        "diff_renumbered": "Renumbered ({n})", "diff_new": "Came into force ({n})", "diff_lapsed": "Lapsed ({n})",
        "diff_penalty": "Penalty changed ({n})", "diff_none": "None.", "diff_before": "Before", "diff_after": "After",
        "diff_summary": "From {start} to {end}: {n} changes.",
        "app": "aiduty", "tagline": "China's AI rules: which duties apply to your service, and what is missing",
        "skip": "Skip to content", "nav": "Main", "nav_home": "Home", "nav_check": "Check a service", "nav_labels": "Check files",
        "nav_catalogue": "Obligations", "nav_instruments": "Instruments", "nav_campaigns": "Campaigns",
        "nav_diff": "What changed", "nav_api": "API", "switch": "中文", "switch_label": "切换到中文",
        "footer": "Knowledge base {kb} · aiduty {version}. Not legal advice: each answer cites the article it "
                  "rests on, and its confidence.",
        "home_check": "Check a service", "home_check_text": "Answer a few questions about your AI product, or upload "
                      "its description, and see which duties apply, which are met and what is missing.",
        "home_catalogue": "Browse the obligations", "home_catalogue_text": "Search every duty by words in English or "
                          "Chinese, filter by instrument, role, campaign or date, and see what changed between two dates.",
        "error_title": "Something is wrong with the request", "not_found": "Not found",
        "server_busy": "The server is busy. Try again in a moment.",
        "too_large": "The request is too large", "too_slow": "The request took too long. Try again in a moment.",
        # the label scan page (routes/pages_check.py, templates/labels.html)
        "labels_title": "Check files for AI labels", "labels_intro": "Upload AI-generated files (images, audio, video, documents, text): each is read for the implicit AIGC label of GB 45438-2025 (and, for text, the explicit label), without changing it. Nothing is kept.",
        "labels_files": "Files (up to {n}, {size} MB each)", "labels_scan": "Check the files", "labels_none": "Choose at least one file.",
        "labels_result": "{n} files: {ok} conformant", "col_file": "File", "col_verdict": "Verdict", "col_carriers": "Where the label is",
        "col_findings": "What is wrong", "labels_details": "Details", "labels_again": "Check other files",
        "verdict_conformant": "conformant", "verdict_non-conformant": "non-conformant", "verdict_no-label": "no label",
        "verdict_unreadable": "unreadable",
        "finding_too-long": "The AIGC label is too long to be read.",
        "finding_not-json": "The AIGC label is not valid JSON; the standard (Annex E) asks for a JSON object.",
        "finding_not-object": "The AIGC label is JSON, but not an object of named elements.",
        "finding_not-string": "An element of the label is not text.",
        "finding_charset": "An element holds characters the standard does not allow.",
        "finding_label-missing": "The Label element (whether the content is AI-generated) is missing.",
        "finding_label-value": "The Label element must be 1 (AI-generated), 2 (possibly) or 3 (suspected).",
        "finding_producer-missing": "The generating service's elements (ContentProducer, ProduceID) are missing.",
        "finding_propagator-incomplete": "Only one of the two platform elements (ContentPropagator, PropagateID) is filled.",
        "finding_carriers-disagree": "Two places in the file carry labels that disagree.",
        "finding_unknown-element": "The label has an element the standard does not define.",
        "finding_keyword-case": "A label is stored under a key that is not written AIGC, so it is not read.",
        "finding_no-explicit-label": "The text has no visible AI label at its start or end.",
        "finding_no-label": "No AI label was found in the file's metadata.",
        "finding_unreadable": "The file could not be read.", "finding_timeout": "Reading the file took too long.",
        "finding_too-large": "The file is larger than the limit.",
        # the check, the interview and the report (routes/pages_check.py)
        "check_title": "Check a service", "check_intro": "Two ways in: answer the questions one at a time (nothing to prepare), or give a description you already have.",
        "start_interview": "Answer questions", "start_interview_text": "One question at a time, only those that can still change a result. \"Don't know\" is always an answer.",
        "start": "Start", "paste_title": "Use a description", "upload_label": "Upload a YAML or JSON file",
        "paste_label": "or paste it here", "paste_hint": "The service description format of aiduty (YAML or JSON). An omitted fact is unknown, never \"no\".",
        "example_note": "Show an example", "as_of_label": "Check as of", "check_button": "Check",
        "interview_from_text": "Complete it with questions", "no_description": "Give a description: upload a file or paste its text.",
        "bad_download": "The download request is incomplete: reload the report and try again.",
        "bad_state": "The interview's answers could not be read: start again from the check page.",
        "interview_title": "Guided check", "interview_intro": "We ask only what can still change which duties apply or whether they are met. You can go back at any time.",
        "service_name_label": "Name of the service", "service_name_hint": "Optional; it appears on the report and in the file you download.",
        "question_n": "Question {n}", "progress": "{settled} of {total} duties settled", "progress_label": "Duties settled",
        "live_counts": "So far", "answer_refused": "That answer cannot be used: {problem}",
        "no_answer": "choose an answer, or \"Don't know\"", "draft_name": "Unnamed service",
        "item": "Measure or fact", "yes": "Yes", "no": "No", "dont_know": "Don't know",
        "checklist_intro": "Answer each row: yes, no, or don't know.",
        "checklist_hint": "A row left blank counts as \"don't know\".", "multi_hint": "Tick all that apply; none ticked means \"none\".",
        "help": "What this means", "legal_judgement": "This is a legal judgement, not a product fact. What the law offers:",
        "settles": "Answering settles at least {n} open duties.", "provisions": "Provisions that depend on it",
        "more": "and {n} more", "next": "Next", "back": "Back", "back_to_questions": "Back to the last question",
        "as_of_day": "as of {day}", "answered": "Built from your answers to {n} questions.",
        "download": "Download", "dl_yaml": "Description (YAML)", "dl_markdown": "Report (Markdown)", "dl_json": "Report (JSON)",
        "printable": "Printable page", "print": "Print or save as PDF",
        "print_hint": "This page is laid out for printing: use your browser's Print command and choose \"Save as PDF\".",
        "closes": "Closes {n} gaps:", "no_actions": "No gap to close.", "unlocks_n": "settles {n} duties",
        "answer_questions": "Answer these questions", "duties": "Duties", "filter_status": "Status",
        "filter_priority": "Priority", "filter_instrument": "Instrument", "any": "Any", "filter_apply": "Filter", "shown": "Shown",
        "needs_answer": "Needs an answer to", "why_priority": "Why this priority", "in_force_from": "in force from {day}",
        # the API docs pages (pages_docs.py: docs.html, redoc.html)
        "docs_nav": "API documentation", "docs_swagger": "Try the API (Swagger UI)", "docs_redoc": "API reference (ReDoc)",
        "docs_openapi": "OpenAPI description (JSON)", "docs_swagger_title": "aiduty API: try it (Swagger UI)",
        "docs_redoc_title": "aiduty API reference (ReDoc)",
        "docs_noscript": "These interactive API pages need JavaScript. The API's description, for any OpenAPI tool, is at",
    },
    "zh": {
        # catalogue pages (routes/pages_catalogue.py: /catalogue, /obligations/{id}, /instruments, /campaigns, /diff)
        "cat_title": "义务目录", "cat_intro": "知识库中的全部义务。可用中文或英文关键词搜索（标题、正文、条款和编号），"
                     "或用筛选条件缩小范围。",
        "f_legend": "搜索与筛选", "f_search": "关键词", "f_search_hint": "英文按整词匹配，中文按原文匹配；须匹配全部关键词。",
        "f_instrument": "法规文件", "f_role": "角色", "f_role_hint": "包括其上位角色的义务", "f_campaign": "专项行动重点",
        "f_status": "状态", "f_as_of": "施行日期", "f_as_of_hint": "与状态同用时：该日的状态（默认今天）",
        "f_article": "条", "f_any": "全部", "f_apply": "搜索", "f_clear": "清除全部筛选",
        "all_targets": "{code}：全部重点", "n_results": "{n} 项义务", "n_results_one": "1 项义务",
        "results": "结果", "no_results": "没有符合这些筛选条件的义务。",
        "no_results_hint": "请尝试去掉一个筛选条件或关键词：", "without": "去掉{name}",
        "bad_filter": "以下筛选条件无法使用，因此未进行搜索：",
        "bad_role": "未知角色“{value}”：请从列表中选择。",
        "bad_instrument": "未知法规文件“{value}”：请从列表中选择。",
        "bad_campaign": "未知专项行动“{value}”：请从列表中选择。",
        "bad_target": "专项行动 {code} 没有重点“{value}”。",
        "bad_status": "未知状态“{value}”：可选 draft、in-force、upcoming 或 lapsed。",
        "bad_date": "{name}：“{value}”不是日期，请写成 YYYY-MM-DD，例如 2026-01-01。",
        "bad_article": "条：“{value}”不是条号。",
        "bad_format": "未知下载格式“{value}”：可选 csv 或 xlsx。",
        "bad_search": "关键词：最多 {n} 个字符。",
        "downloads": "下载此列表", "download_csv": "CSV", "download_xlsx": "Excel（XLSX）",
        "col_title": "标题", "col_code": "代码", "col_type": "类型", "col_duties": "义务数",
        "col_from": "施行日期", "col_until": "失效日期", "col_published": "发布日期", "col_regulators": "发布机关",
        "col_state": "状态", "col_window": "时间", "col_targets": "重点",
        "status_draft": "征求意见稿", "status_in_force": "现行有效", "status_upcoming": "尚未施行", "status_lapsed": "已失效",
        "status_unpublished": "尚未发布",
        "inst_binding": "有约束力", "inst_binding_standard": "强制性标准",
        "inst_recommended_standard": "推荐性标准", "inst_draft": "征求意见稿，无约束力",
        "conf_official_text": "官方文本", "conf_credible_secondary": "可靠的二手资料",
        "conf_reported": "报道", "rule_obligation": "义务", "rule_prohibition": "禁止性规定",
        "rule_recommendation": "推荐性要求", "camp_active": "进行中", "camp_upcoming": "尚未开始",
        "camp_past": "已结束", "camp_unknown": "日期不详", "lang_name_en": "English", "lang_name_zh": "中文",
        "card_texts": "中英文对照", "card_details": "详细信息", "card_status_today": "今日状态",
        "card_article_duties": "该条的全部义务",
        "card_condition": "检查方式", "card_no_fine": "未记录罚款金额",
        "card_no_sources": "该法规文件未记录来源链接",
        "card_target": "{campaign}（{start} – {end}）：{target}",
        "missing_duty": "没有编号为“{id}”的义务。", "missing_instrument": "没有代码为“{id}”的法规文件。",
        "missing_campaign": "没有代码为“{id}”的专项行动。", "did_you_mean": "您要找的是不是：",
        "back_catalogue": "返回义务目录",
        "inst_title": "法规文件", "inst_intro": "义务所依据的法律、规章、标准和征求意见稿。征求意见稿和推荐性标准没有约束力，"
                      "在每个列表中都单独标明。",
        "inst_sources": "来源", "inst_superseded_by": "被替代于", "inst_duties": "相关义务（{n} 项）",
        "inst_search": "搜索和筛选其义务", "inst_short": "简称", "inst_summary": "概述",
        "camp_title": "专项行动", "camp_intro": "专项行动不是法律：它表明监管部门在检查哪些义务以及何时检查。"
                      "其状态按您选择的日期判断。",
        "camp_state_on": "判断日期", "camp_show": "显示", "camp_targets": "重点（{n} 项）",
        "camp_target_duties": "涉及的义务", "camp_phase": "阶段", "camp_kind": "类型",
        "camp_part_of": "隶属于", "camp_continues": "延续", "camp_regulators": "开展机关",
        "camp_duties_link": "其涉及的全部义务",
        "diff_title": "两个日期之间的变化", "diff_intro": "条号变化（同一义务的新依据）、开始施行、失效的义务，"
                      "以及随条号变化而改变的处罚。",
        "diff_from": "起始日期", "diff_to": "截止日期", "diff_role": "角色（可选）", "diff_go": "比较",
        "diff_pick": "请选择两个日期进行比较，例如 2025-12-31 和 2026-01-01（修正后的网络安全法）。",
        "diff_renumbered": "条号变化（{n}）", "diff_new": "开始施行（{n}）", "diff_lapsed": "失效（{n}）",
        "diff_penalty": "处罚变化（{n}）", "diff_none": "无。", "diff_before": "变化前", "diff_after": "变化后",
        "diff_summary": "{start} 至 {end}：共 {n} 项变化。",
        "app": "aiduty", "tagline": "中国人工智能监管规则：您的服务适用哪些义务，还缺什么",
        "skip": "跳到正文", "nav": "主导航", "nav_home": "首页", "nav_check": "检查服务", "nav_labels": "检查文件标识",
        "nav_catalogue": "义务目录", "nav_instruments": "法规文件", "nav_campaigns": "专项行动",
        "nav_diff": "变化对比", "nav_api": "API", "switch": "English", "switch_label": "Switch to English",
        "footer": "知识库 {kb} · aiduty {version}。本工具不构成法律意见：每个结论都注明所依据的条款及其可信度。",
        "home_check": "检查服务", "home_check_text": "回答几个关于您的人工智能产品的问题，或上传其服务描述，"
                      "即可看到适用哪些义务、哪些已满足、还缺什么。",
        "home_catalogue": "浏览义务目录", "home_catalogue_text": "用中文或英文关键词搜索全部义务，按法规文件、角色、"
                          "专项行动或日期筛选，并比较两个日期之间的变化。",
        "error_title": "请求有误", "not_found": "未找到",
        "server_busy": "服务器繁忙，请稍后再试。",
        "too_large": "请求内容过大", "too_slow": "请求处理超时，请稍后再试。",
        # the label scan page (routes/pages_check.py, templates/labels.html)
        "labels_title": "检查文件中的人工智能标识", "labels_intro": "上传人工智能生成的文件（图片、音频、视频、文档、文本）：逐一读取 GB 45438-2025 规定的 AIGC 隐式标识（文本还检查显式标识），不修改文件，也不保存。",
        "labels_files": "文件（最多 {n} 个，每个不超过 {size} MB）", "labels_scan": "检查文件", "labels_none": "请至少选择一个文件。",
        "labels_result": "共 {n} 个文件，其中 {ok} 个符合要求", "col_file": "文件", "col_verdict": "结论", "col_carriers": "标识所在位置",
        "col_findings": "问题", "labels_details": "详情", "labels_again": "检查其他文件",
        "verdict_conformant": "符合", "verdict_non-conformant": "不符合", "verdict_no-label": "无标识",
        "verdict_unreadable": "无法读取",
        "finding_too-long": "AIGC 标识过长，无法读取。",
        "finding_not-json": "AIGC 标识不是有效的 JSON；标准（附录E）要求为 JSON 对象。",
        "finding_not-object": "AIGC 标识是 JSON，但不是由命名要素组成的对象。",
        "finding_not-string": "标识中有要素的取值不是文本。",
        "finding_charset": "有要素含有标准不允许的字符。",
        "finding_label-missing": "缺少 Label 要素（内容是否由人工智能生成）。",
        "finding_label-value": "Label 要素的取值必须为 1（人工智能生成）、2（可能为人工智能生成）或 3（疑似人工智能生成）。",
        "finding_producer-missing": "缺少生成合成服务提供者的要素（ContentProducer、ProduceID）。",
        "finding_propagator-incomplete": "平台的两个要素（ContentPropagator、PropagateID）只填写了一个。",
        "finding_carriers-disagree": "文件中两处标识的内容不一致。",
        "finding_unknown-element": "标识中含有标准未规定的要素。",
        "finding_keyword-case": "有标识存放在拼写不是 AIGC 的键名下，因此不被读取。",
        "finding_no-explicit-label": "文本开头或结尾没有可见的人工智能标识。",
        "finding_no-label": "文件元数据中未发现人工智能标识。",
        "finding_unreadable": "无法读取该文件。", "finding_timeout": "读取文件超时。",
        "finding_too-large": "文件超过大小限制。",
        # the check, the interview and the report (routes/pages_check.py)
        "check_title": "检查服务", "check_intro": "两种方式：逐题回答（无需准备），或提供已有的服务描述。",
        "start_interview": "回答问题", "start_interview_text": "每次一个问题，只问仍可能改变结论的问题。“不知道”也是有效回答。",
        "start": "开始", "paste_title": "使用服务描述", "upload_label": "上传 YAML 或 JSON 文件",
        "paste_label": "或粘贴到这里", "paste_hint": "aiduty 的服务描述格式（YAML 或 JSON）。未填写的事实视为未知，而不是“否”。",
        "example_note": "查看示例", "as_of_label": "检查日期", "check_button": "检查",
        "interview_from_text": "通过问答补全", "no_description": "请提供服务描述：上传文件或粘贴文本。",
        "bad_download": "下载请求不完整：请重新加载报告后再试。",
        "bad_state": "无法读取问答记录：请从检查页面重新开始。",
        "interview_title": "引导式检查", "interview_intro": "我们只问仍可能改变义务是否适用或是否满足的问题。您可以随时返回上一题。",
        "service_name_label": "服务名称", "service_name_hint": "可选；将显示在报告和下载的文件中。",
        "question_n": "第 {n} 题", "progress": "已确定 {settled}/{total} 项义务", "progress_label": "已确定的义务",
        "live_counts": "目前结果", "answer_refused": "该答案无法使用：{problem}",
        "no_answer": "请选择一个答案，或点击“不知道”", "draft_name": "未命名服务",
        "item": "措施或事实", "yes": "是", "no": "否", "dont_know": "不知道",
        "checklist_intro": "请逐行回答：是、否或不知道。",
        "checklist_hint": "未作选择的行视为“不知道”。", "multi_hint": "勾选所有适用项；都不勾选表示“都没有”。",
        "help": "这是什么意思", "legal_judgement": "这是法律判断，不是产品事实。法律依据：",
        "settles": "回答后至少可确定 {n} 项待定义务。", "provisions": "取决于此问题的条款",
        "more": "等另外 {n} 条", "next": "下一题", "back": "上一题", "back_to_questions": "返回最后一题",
        "as_of_day": "截至 {day}", "answered": "根据您对 {n} 个问题的回答生成。",
        "download": "下载", "dl_yaml": "服务描述（YAML）", "dl_markdown": "报告（Markdown）", "dl_json": "报告（JSON）",
        "printable": "打印版", "print": "打印或另存为 PDF",
        "print_hint": "本页已按打印排版：请使用浏览器的“打印”，并选择“另存为 PDF”。",
        "closes": "可关闭 {n} 个缺口：", "no_actions": "没有需要整改的缺口。", "unlocks_n": "可确定 {n} 项义务",
        "answer_questions": "回答这些问题", "duties": "义务", "filter_status": "状态",
        "filter_priority": "优先级", "filter_instrument": "法规文件", "any": "全部", "filter_apply": "筛选", "shown": "显示",
        "needs_answer": "需要回答", "why_priority": "为何是此优先级", "in_force_from": "自 {day} 起施行",
        # the API docs pages (pages_docs.py: docs.html, redoc.html)
        "docs_nav": "API 文档", "docs_swagger": "试用 API（Swagger UI）", "docs_redoc": "API 参考（ReDoc）",
        "docs_openapi": "OpenAPI 描述（JSON）", "docs_swagger_title": "aiduty API：在线试用（Swagger UI）",
        "docs_redoc_title": "aiduty API 参考（ReDoc）",
        "docs_noscript": "这些交互式 API 页面需要 JavaScript。API 的描述（可供任何 OpenAPI 工具使用）位于",
    },
}

# The values of the description's enums, in words (the web interview's choices; the code stays the value sent)
CHOICE_WORDS = {
    "en": {"text": "text", "image": "images", "audio": "audio", "video": "video", "virtual_scene": "virtual scenes",
           "other": "other", "generation_synthesis": "generation or synthesis", "personalised_push": "personalised push",
           "ranking_selection": "ranking or selection", "search_filtering": "search filtering",
           "dispatch_decision": "dispatching or decision-making", "forum": "forum", "blog": "blog", "microblog": "microblog",
           "chat_room": "chat room", "group_chat": "group chat", "public_account": "public account", "comments": "comments",
           "short_video": "short video", "live_streaming": "live streaming", "information_sharing": "information sharing",
           "mini_program": "mini program", "filed": "filed (备案)", "registered": "registered (登记)", "pending": "pending",
           "none": "none"},
    "zh": {"text": "文本", "image": "图片", "audio": "音频", "video": "视频", "virtual_scene": "虚拟场景", "other": "其他",
           "generation_synthesis": "生成合成类", "personalised_push": "个性化推送类", "ranking_selection": "排序精选类",
           "search_filtering": "检索过滤类", "dispatch_decision": "调度决策类", "forum": "论坛", "blog": "博客",
           "microblog": "微博客", "chat_room": "聊天室", "group_chat": "群聊", "public_account": "公众账号",
           "comments": "评论", "short_video": "短视频", "live_streaming": "网络直播", "information_sharing": "信息分享",
           "mini_program": "小程序", "filed": "已备案", "registered": "已登记", "pending": "办理中", "none": "无"},
}
