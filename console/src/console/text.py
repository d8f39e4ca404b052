"""Everything the console's pages say, Chinese first with English beside it."""

from __future__ import annotations

from anju_common.i18n import ENUM_LABELS

LANGS = ("zh", "en")

UI: dict[str, tuple[str, str]] = {
    "app": ("安居就业 · 就业服务站", "Anju · employment office"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "dashboard": ("概况", "Dashboard"),
    "households": ("家庭户", "Households"),
    "workers": ("劳动力", "Workers"),
    "jobs": ("岗位", "Jobs"),
    "import": ("导入", "Import"),
    "feed": ("动态", "Feed"),
    "site": ("安置点", "Site"),
    "all_sites": ("全部安置点", "All sites"),
    "choose": ("选择", "Choose"),
    "labour_force": ("劳动力", "Labour force"),
    "employed": ("已就业", "Employed"),
    "employment_rate": ("就业率", "Employment rate"),
    "zero_households": ("零就业户", "Zero-employment households"),
    "longest_days": ("最长零就业天数", "Longest without work (days)"),
    "household_count": ("户数", "Households"),
    "by_livelihood": ("按就业类型", "By livelihood type"),
    "by_category": ("按监测类型", "By monitoring category"),
    "as_of": ("统计日期", "As of"),
    "download_xlsx": ("下载统计表（xlsx）", "Download statistics (xlsx)"),
    "download_template": ("下载导入模板", "Download the import template"),
    "since": ("起始日期", "Since"),
    "days": ("天数", "Days"),
    "household_ref": ("户编号", "Household ref"),
    "monitoring_category": ("监测类型", "Monitoring category"),
    "zero_only": ("只看零就业户", "Zero-employment only"),
    "search": ("查询", "Search"),
    "name": ("姓名", "Name"),
    "phone_last4": ("手机尾号", "Phone, last 4"),
    "id_last4": ("身份证尾号", "ID, last 4"),
    "skill": ("技能", "Skill"),
    "status": ("状态", "Status"),
    "livelihood_type": ("就业类型", "Livelihood type"),
    "employment_status": ("就业状态", "Employment status"),
    "any": ("不限", "Any"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "phone": ("手机号", "Phone"),
    "id_number": ("身份证号", "ID number"),
    "birth_year": ("出生年份", "Birth year"),
    "gender": ("性别", "Gender"),
    "skills": ("技能", "Skills"),
    "caregiver": ("需照料家人", "Caregiver"),
    "sms_consent": ("同意接收短信", "SMS consent"),
    "share_consent": ("同意向用人单位提供信息", "Consent to share"),
    "max_commute_km": ("最远通勤（公里）", "Farthest commute (km)"),
    "expected_wage": ("期望最低月薪", "Expected wage"),
    "matches": ("推荐岗位", "Matches"),
    "training_offers": ("培训推荐", "Training offers"),
    "job": ("岗位", "Job"),
    "employer": ("用人单位", "Employer"),
    "wage": ("月薪（元）", "Wage (CNY/month)"),
    "score": ("匹配分", "Score"),
    "breakdown": ("得分构成", "Score breakdown"),
    "reasons": ("理由", "Reasons"),
    "distance": ("距离（公里）", "Distance (km)"),
    "proposals": ("已推荐的人选", "Proposals"),
    "ranking": ("实时排序", "Live ranking"),
    "actions": ("操作", "Actions"),
    "act_interested": ("记为有意向", "Mark interested"),
    "act_referred": ("转介", "Refer"),
    "act_hired": ("录用", "Hire"),
    "act_rejected": ("未录用", "Reject"),
    "act_declined": ("记为谢绝", "Mark declined"),
    "b_skill": ("技能", "skill"),
    "b_commute": ("通勤", "commute"),
    "b_wage": ("工资", "wage"),
    "b_schedule": ("时间安排", "schedule"),
    "b_household": ("家庭情况", "household"),
    "headcount": ("招聘人数", "Headcount"),
    "shift": ("班次", "Shift"),
    "place": ("地点", "Place"),
    "file": ("文件（.xlsx 或 GBK/UTF-8 .csv）", "File (.xlsx, or .csv in GBK or UTF-8)"),
    "dry_run": ("只检查，不保存", "Check only, store nothing"),
    "upload": ("上传", "Upload"),
    "import_result": ("导入结果", "Import result"),
    "rows": ("行数", "Rows"),
    "valid": ("有效", "Valid"),
    "created": ("新登记", "Created"),
    "existing": ("已存在", "Already registered"),
    "rejected": ("被拒绝", "Rejected"),
    "households_created": ("新建家庭户", "Households created"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "import_hint": (
        "修改表格中有错误的行后重新上传即可；已导入的行不会重复登记。",
        "Fix the rows in error and upload again; rows already imported are not registered twice.",
    ),
    "live": ("实时更新", "Live"),
    "time": ("时间", "Time"),
    "title": ("标题", "Title"),
    "kind": ("类型", "Kind"),
    "no_items": ("暂无数据", "Nothing here yet"),
    "next_page": ("下一页", "Next page"),
    "error": ("出错了", "Something went wrong"),
    "login_hint": ("用就业服务站的账号登录。", "Log in with your employment-office account."),
    "masked_note": (
        "手机号和身份证号只显示部分数字。",
        "Phone and ID numbers are shown masked.",
    ),
    "no_site": ("您的账号没有可查看的安置点。", "Your account has no site to show."),
    "status_changed": ("状态已更新", "Status updated"),
    "open_jobs": ("开放中的岗位", "Open jobs"),
    "api_docs": ("API 文档", "API docs"),
    "chart_employment": ("各就业类型的就业率", "Employment rate by livelihood type"),
    "chart_households": ("各监测类型的零就业户", "Zero-employment households by monitoring category"),
    "zero_employment": ("零就业", "Zero employment"),
    "members": ("成员", "Members"),
    "registered_poor": ("脱贫户", "Registered poor"),
    "history": ("状态记录", "History"),
    "active": ("在册", "Active"),
}


def t(key: str, lang: str) -> str:
    """A UI string in the language (the key itself when it is missing, so a gap shows rather than breaks)."""
    pair = UI.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def label(value: object, lang: str) -> str:
    """An enum value as people read it: the Chinese label, or the value in words in English."""
    text = "" if value is None else str(value)
    if lang == "zh":
        return ENUM_LABELS.get(text, text)
    return text.replace("_", " ")
