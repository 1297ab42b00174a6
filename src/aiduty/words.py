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

SECTION_WORDS = {
    "en": {"label": "About the service ({})", "question": "Which of these are true of the service? (Select all that "
           "are; one not selected is \"no\"; \"don't know\" leaves it unknown.)"},
    "zh": {"label": "服务情况（{}）", "question": "以下哪些情况属实？（全选属实的；未选即为“否”；“不知道”则保持未知。）"},
}

# The web app (web.py, templates/): every word its pages show that the knowledge base does not supply
WEB_WORDS = {
    "en": {
        "app": "aiduty", "tagline": "China's AI rules: which duties apply to your service, and what is missing",
        "skip": "Skip to content", "nav": "Main", "nav_home": "Home", "nav_check": "Check a service",
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
        # the API docs pages (pages_docs.py: docs.html, redoc.html)
        "docs_nav": "API documentation", "docs_swagger": "Try the API (Swagger UI)", "docs_redoc": "API reference (ReDoc)",
        "docs_openapi": "OpenAPI description (JSON)", "docs_swagger_title": "aiduty API: try it (Swagger UI)",
        "docs_redoc_title": "aiduty API reference (ReDoc)",
        "docs_noscript": "These interactive API pages need JavaScript. The API's description, for any OpenAPI tool, is at",
    },
    "zh": {
        "app": "aiduty", "tagline": "中国人工智能监管规则：您的服务适用哪些义务，还缺什么",
        "skip": "跳到正文", "nav": "主导航", "nav_home": "首页", "nav_check": "检查服务",
        "nav_catalogue": "义务目录", "nav_instruments": "法规文件", "nav_campaigns": "专项行动",
        "nav_diff": "变化对比", "nav_api": "API", "switch": "English", "switch_label": "Switch to English",
        "footer": "知识库 {kb} · aiduty {version}。本工具不构成法律意见：每个结论都注明所依据的条款及其可信度。",
        "home_check": "检查服务", "home_check_text": "回答几个关于您的人工智能产品的问题，或上传其服务描述，"
                      "即可看到适用哪些义务、哪些已满足、还缺什么。",
        "home_catalogue": "浏览义务目录", "home_catalogue_text": "用中文或英文关键词搜索全部义务，按法规文件、角色、"
                          "专项行动或日期筛选，并比较两个日期之间的变化。",
        "error_title": "请求有误", "not_found": "未找到",
        "server_busy": "服务器繁忙，请稍后再试。",
        # the API docs pages (pages_docs.py: docs.html, redoc.html)
        "docs_nav": "API 文档", "docs_swagger": "试用 API（Swagger UI）", "docs_redoc": "API 参考（ReDoc）",
        "docs_openapi": "OpenAPI 描述（JSON）", "docs_swagger_title": "aiduty API：在线试用（Swagger UI）",
        "docs_redoc_title": "aiduty API 参考（ReDoc）",
        "docs_noscript": "这些交互式 API 页面需要 JavaScript。API 的描述（可供任何 OpenAPI 工具使用）位于",
    },
}
