"""Chinese labels and English spellings of the shared vocabulary: every enum accepts them on the way in
(API bodies, query filters and the spreadsheet import alike) and answers with its canonical value."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

# enum class name -> label as people write it -> canonical value. The import's column help lists the first.
LABELS: dict[str, dict[str, str]] = {
    "EmployerKind": {
        "扶贫车间": "workshop",
        "就业帮扶车间": "workshop",
        "帮扶车间": "workshop",
        "车间": "workshop",
        "企业": "enterprise",
        "劳务协作": "labor_cooperation",
        "劳务协作单位": "labor_cooperation",
        "labour_cooperation": "labor_cooperation",
        "公益性岗位": "public_welfare",
        "公益岗位": "public_welfare",
    },
    "Shift": {
        "白班": "day",
        "日班": "day",
        "夜班": "night",
        "弹性": "flexible",
        "弹性工作": "flexible",
        "灵活": "flexible",
        "兼职": "part_time",
        "非全日制": "part_time",
    },
    "JobStatus": {
        "招聘中": "open",
        "开放": "open",
        "已招满": "filled",
        "已满员": "filled",
        "已关闭": "closed",
    },
    "TrainingStatus": {
        "报名中": "open",
        "开放": "open",
        "已满": "full",
        "名额已满": "full",
        "已关闭": "closed",
    },
    "LivelihoodType": {
        "外出务工": "migrant",
        "跨省务工": "migrant",
        "省外务工": "migrant",
        "劳务协作": "migrant",
        "就近就业": "local",
        "本地就业": "local",
        "就地就业": "local",
        "县内就业": "local",
        "亦工亦农": "worker_peasant",
        "半工半农": "worker_peasant",
        "返乡务农": "returnee_agriculture",
        "务农": "returnee_agriculture",
    },
    "MonitoringCategory": {
        "无": "none",
        "非监测户": "none",
        "一般户": "none",
        "否": "none",
        "脱贫不稳定户": "unstable",
        "不稳定户": "unstable",
        "边缘易致贫户": "marginal",
        "边缘户": "marginal",
        "突发严重困难户": "sudden_hardship",
        "突发困难户": "sudden_hardship",
    },
    "EmploymentStatus": {
        "未就业": "unemployed",
        "待业": "unemployed",
        "失业": "unemployed",
        "已就业": "employed",
        "就业": "employed",
        "在岗": "employed",
        "季节性务工": "seasonal",
        "季节工": "seasonal",
        "务农": "agriculture",
        "农业": "agriculture",
    },
    "MatchStatus": {
        "已推荐": "proposed",
        "待通知": "proposed",
        "已通知": "notified",
        "有意向": "interested",
        "感兴趣": "interested",
        "不感兴趣": "declined",
        "已拒绝": "declined",
        "已转介": "referred",
        "已推荐给用人单位": "referred",
        "已录用": "hired",
        "已入职": "hired",
        "未录用": "rejected",
        "已过期": "expired",
        "已离职": "left",
    },
    "ReplyKind": {
        "感兴趣": "interested",
        "有意向": "interested",
        "不感兴趣": "not_interested",
        "退订": "opt_out",
        "无法识别": "unknown",
        "在岗": "on_job",
        "已离职": "left_job",
        "工资未发": "wages_unpaid",
        "已到达": "arrived",
        "拒绝自动推荐": "refuse_automation",
    },
    "Gender": {"女": "female", "男": "male", "f": "female", "m": "male"},
}


def _spelling(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


class LabelledEnum(StrEnum):
    """A StrEnum that also takes its Chinese labels and English spellings (Migrant, part-time)."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        key = _spelling(value)
        for member in cls:
            if member.value == key:
                return member
        table = LABELS.get(cls.__name__, {})
        canonical = table.get(value.strip()) or table.get(key)
        return cls(canonical) if canonical else None

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Every accepted label of this vocabulary and the value it stands for."""
        return dict(LABELS.get(cls.__name__, {}))
