"""`make demo`: a resettlement site modelled on the Wangjia community (Guizhou), built through the public API.

With the stack running (`make up`), this creates an administrator (python -m gateway create-user), then,
only through the gateway: a site and its office staff, a few hundred households and their workers,
poverty-alleviation workshops (garments, electronics assembly, bamboo weaving), local enterprises,
labour-cooperation employers in Guangdong and Zhejiang, public-welfare posts, and courses in sewing,
welding, housekeeping and e-commerce. It then prints the proposed matches with their reasons, the SMS
outbox and the site's employment statistics, walks one worker from "interested" to "hired" and that
placement through its first follow-up (recorded by phone).

    .venv/bin/python scripts/demo.py [--households 240] [--gateway http://127.0.0.1:8000] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

SITE = {
    "name": "王家社区易地扶贫搬迁安置点",
    "county": "惠水县",
    "province": "贵州省",
    "lat": 26.13,
    "lon": 106.66,
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林韦蒙龙吴石杨"
GIVEN = [
    "秀英",
    "桂兰",
    "玉梅",
    "建国",
    "志强",
    "海燕",
    "小芳",
    "春花",
    "德明",
    "国华",
    "金凤",
    "永红",
    "光荣",
    "丽娟",
    "文斌",
    "晓东",
    "明珠",
    "成林",
    "美玲",
    "正平",
    "红梅",
    "家兴",
    "秀珍",
    "子豪",
]
# (skill, share): what relocated workers bring, with the local aliases offices write.
SKILLS = [
    ("缝纫工", 24),
    ("普工", 15),
    ("电子装配", 10),
    ("竹编", 9),
    ("电焊", 7),
    ("家政", 8),
    ("保洁", 8),
    ("电商", 4),
    ("茶叶采摘", 6),
    ("", 9),
]
LIVELIHOODS = [("local", 45), ("migrant", 25), ("worker_peasant", 20), ("returnee_agriculture", 10)]
MONITORING = [("none", 70), ("unstable", 15), ("marginal", 10), ("sudden_hardship", 5)]


@dataclass
class Place:
    """Where an employer sits."""

    county: str
    province: str
    lat: float
    lon: float
    at_site: bool = False


HERE = Place("惠水县", "贵州省", SITE["lat"], SITE["lon"], at_site=True)  # type: ignore[arg-type]
COUNTY_TOWN = Place("惠水县", "贵州省", 26.16, 106.69)
DONGGUAN = Place("东莞市", "广东省", 23.02, 113.75)
NINGBO = Place("鄞州区", "浙江省", 29.87, 121.54)

# (employer, kind, place, [(title, skills, headcount, wage_min, wage_max, shift, caregiver_friendly)])
EMPLOYERS: list[tuple[str, str, Place, list[tuple[str, list[str], int, int, int, str, bool]]]] = [
    (
        "王家社区扶贫车间（制衣）",
        "workshop",
        HERE,
        [
            ("缝纫工", ["缝纫", "车工"], 20, 2600, 4200, "flexible", True),
            ("包装工", ["包装工"], 6, 2200, 3000, "day", True),
        ],
    ),
    (
        "王家社区电子装配车间",
        "workshop",
        HERE,
        [("电子装配工", ["电子装配", "普工"], 15, 2800, 3800, "day", True)],
    ),
    ("王家社区竹编工坊", "workshop", HERE, [("竹编手工艺人", ["竹编"], 10, 2000, 3500, "part_time", True)]),
    (
        "惠水县黔南食品有限公司",
        "enterprise",
        COUNTY_TOWN,
        [
            ("食品厂普工", ["普工", "包装工"], 12, 3000, 4000, "day", False),
            ("电焊工", ["电焊"], 4, 4500, 6500, "day", False),
        ],
    ),
    (
        "惠水县家政服务有限公司",
        "enterprise",
        COUNTY_TOWN,
        [("家政服务员", ["家政"], 8, 3000, 4800, "flexible", True)],
    ),
    (
        "惠水县农村电商服务站",
        "enterprise",
        COUNTY_TOWN,
        [("电商客服", ["电子商务"], 3, 2800, 4000, "flexible", True)],
    ),
    (
        "东莞市粤黔电子厂（劳务协作）",
        "labor_cooperation",
        DONGGUAN,
        [("电子装配普工（包吃住）", ["电子装配", "普工"], 40, 4800, 6500, "day", False)],
    ),
    (
        "宁波市甬黔服装有限公司（劳务协作）",
        "labor_cooperation",
        NINGBO,
        [("车位工（包住）", ["缝纫", "车工"], 25, 5000, 7500, "day", False)],
    ),
    (
        "王家社区公益性岗位",
        "public_welfare",
        HERE,
        [
            ("社区保洁员", ["保洁"], 6, 1800, 2000, "part_time", True),
            ("护林巡山员", [], 4, 1800, 2000, "flexible", True),
        ],
    ),
]
COURSES = [
    ("缝纫工培训班", ["缝纫"], 30, 800),
    ("电焊工（焊工）培训班", ["电焊"], 20, 1500),
    ("家政服务员培训", ["家政"], 30, 600),
    ("农村电商培训", ["电子商务"], 25, 500),
]


def pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    """A weighted choice."""
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


@dataclass
class Demo:
    """State of one demo run."""

    gateway: str
    rng: random.Random
    admin: httpx.Client | None = None
    staff: httpx.Client | None = None
    site: dict[str, Any] = field(default_factory=dict)
    phones: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    used_phones: set[str] = field(default_factory=set)

    def call(self, client: httpx.Client, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """One request (waiting out 429s as Retry-After says); stop with the problem document otherwise."""
        response = polite(lambda: client.request(method, path, **kw))
        if response.status_code != status:
            sys.exit(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        return response.json() if response.content else None

    def phone(self) -> str:
        """A fresh made-up mainland mobile number (random per run, so re-runs never collide)."""
        while True:
            prefix = secrets.choice(["135", "136", "138", "139", "151", "187", "188"])
            number = f"+86{prefix}{secrets.randbelow(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number


def ensure_admin(gateway: str) -> httpx.Client:
    """Create (or reset) the demo administrator with the gateway's command, then log in."""
    password = os.environ.get("ANJU_DEMO_ADMIN_PASSWORD") or secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "GATEWAY_NEW_USER_PASSWORD": password,
        "ANJU_LOG_JSON": "false",
        "ANJU_LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "gateway",
        "create-user",
        "--username",
        "demo-admin",
        "--role",
        "admin",
        "--update",
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        sys.exit(f"could not create the demo administrator:\n{done.stdout}\n{done.stderr}")
    return login(gateway, "demo-admin", password)


def polite(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send, and while the gateway answers 429, wait as long as its Retry-After says and send again."""
    response = send()
    while response.status_code == 429:
        wait = int(response.headers.get("Retry-After", "5"))
        print(f"rate limited by the gateway; waiting {wait} s as it asks")
        time.sleep(wait)
        response = send()
    return response


def login(gateway: str, username: str, password: str) -> httpx.Client:
    """A client carrying a staff access token."""
    response = polite(
        lambda: httpx.post(
            f"{gateway}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30
        )
    )
    if response.status_code != 200:
        sys.exit(f"login failed for {username}: {response.status_code} {response.text}")
    token = response.json()["access_token"]
    return httpx.Client(base_url=gateway, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def build_site(demo: Demo) -> None:
    """The site and its employment office."""
    assert demo.admin is not None
    stamp = time.strftime("%m%d-%H%M%S")
    demo.site = demo.call(
        demo.admin, "POST", "/api/v1/sites", 201, json={**SITE, "name": f"{SITE['name']}（演示 {stamp}）"}
    )
    password = secrets.token_urlsafe(18)
    username = f"wangjia-office-{stamp}"
    demo.call(
        demo.admin,
        "POST",
        "/api/v1/users",
        201,
        json={
            "username": username,
            "password": password,
            "role": "office_staff",
            "site_ids": [demo.site["id"]],
            "display_name": "王家社区就业服务站",
        },
    )
    demo.staff = login(demo.gateway, username, password)
    print(f"site {demo.site['name']} ({demo.site['id']}); office staff user {username}")


def register_households(demo: Demo, count: int) -> None:
    """Households and their labour-capable members, as the office registers them."""
    assert demo.staff is not None
    staff = demo.staff
    rng = demo.rng
    plans = []
    for i in range(count):
        members = rng.choices([1, 2, 3], weights=[35, 50, 15])[0]
        household = {
            "site_id": demo.site["id"],
            "household_ref": f"WJ-{i + 1:04d}",
            "registered_poor": rng.random() < 0.8,
            "monitoring_category": pick(rng, MONITORING),
            "labour_capable_count": members,
        }
        people = []
        for _ in range(members):
            skill = pick(rng, SKILLS)
            caregiver = rng.random() < 0.3
            livelihood = "local" if caregiver else pick(rng, LIVELIHOODS)
            worker = {
                "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "gender": rng.choice(["female", "male"]),
                "birth_year": rng.randrange(1966, 2005),
                "phone": demo.phone(),
                "skills": [{"name": skill, "level": rng.randrange(1, 5)}] if skill else [],
                "livelihood_type": livelihood,
                "caregiver": caregiver,
                "expected_wage_min": rng.choice([2000, 2500, 3000, 3500]),
                "sms_consent": rng.random() < 0.95,
                "share_consent": rng.random() < 0.85,
            }
            people.append(worker)
        plans.append((household, people))

    def create(plan: tuple[dict[str, Any], list[dict[str, Any]]]) -> int:
        household, people = plan
        made = demo.call(staff, "POST", "/api/v1/households", 201, json=household)
        for person in people:
            worker = demo.call(
                staff, "POST", "/api/v1/workers", 201, json={**person, "household_id": made["id"]}
            )
            demo.phones[worker["id"]] = person["phone"]
            demo.names[worker["id"]] = person["name"]
        return len(people)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        total = sum(pool.map(create, plans))
    print(f"{count} households, {total} workers registered in {time.monotonic() - started:.1f} s")


def post_jobs_and_courses(demo: Demo) -> None:
    """Employers, their API keys, their jobs (posted with the key) and the training courses."""
    assert demo.staff is not None
    starts = date.today() + timedelta(days=7)
    for name, kind, place, jobs in EMPLOYERS:
        employer = demo.call(
            demo.staff,
            "POST",
            "/api/v1/employers",
            201,
            json={
                "name": name,
                "kind": kind,
                # The site's employment office keeps every employer it works with, near or far.
                "site_id": demo.site["id"],
                "county": place.county,
                "province": place.province,
            },
        )
        key = demo.call(
            demo.staff, "POST", "/api/v1/api-keys", 201, json={"employer_id": employer["id"], "name": "demo"}
        )
        with httpx.Client(
            base_url=demo.gateway, headers={"X-API-Key": key["key"]}, timeout=60
        ) as as_employer:
            for title, skills, headcount, wage_min, wage_max, shift, caregiver_ok in jobs:
                job = demo.call(
                    as_employer,
                    "POST",
                    "/api/v1/jobs",
                    201,
                    json={
                        "employer_id": employer["id"],
                        "title": title,
                        "skills": skills,
                        "headcount": headcount,
                        "wage_min": wage_min,
                        "wage_max": wage_max,
                        "shift": shift,
                        "caregiver_friendly": caregiver_ok,
                        "dormitory": kind == "labor_cooperation",
                        "cross_province": place.province != SITE["province"],
                        "min_age": 18,
                        "max_age": 55 if kind != "public_welfare" else 60,
                        "starts_on": starts.isoformat(),
                        "location": {
                            "site_id": demo.site["id"] if place.at_site else None,
                            "county": place.county,
                            "province": place.province,
                            "lat": place.lat,
                            "lon": place.lon,
                            "name": name,
                        },
                    },
                )
                job["employer_name"] = name
                demo.jobs.append(job)
    print(f"{len(EMPLOYERS)} employers posted {len(demo.jobs)} jobs with their API keys")


def publish_courses(demo: Demo) -> None:
    """Training courses in sewing, welding, housekeeping and e-commerce (matching offers them)."""
    assert demo.staff is not None
    starts = date.today() + timedelta(days=7)
    for title, skills, seats, subsidy in COURSES:
        demo.call(
            demo.staff,
            "POST",
            "/api/v1/trainings",
            201,
            json={
                "provider": "惠水县人社局职业技能培训中心",
                "title": title,
                "skills_taught": skills,
                "seats": seats,
                "subsidy_cny": subsidy,
                "starts_on": starts.isoformat(),
                "ends_on": (starts + timedelta(days=20)).isoformat(),
                "location": {
                    "site_id": demo.site["id"],
                    "county": "惠水县",
                    "province": "贵州省",
                    "lat": SITE["lat"],
                    "lon": SITE["lon"],
                    "name": "王家社区培训教室",
                },
            },
        )
    print(f"{len(COURSES)} training courses published")


def show_matches(demo: Demo) -> dict[str, list[dict[str, Any]]]:
    """Wait for the matching service's proposals, then print the best three of every job."""
    assert demo.staff is not None
    staff = demo.staff
    found: dict[str, list[dict[str, Any]]] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(found) < len(demo.jobs):
        for job in demo.jobs:
            r = staff.get(f"/api/v1/jobs/{job['id']}/matches")
            if r.status_code == 200 and r.json()["matches"]:
                found[job["id"]] = r.json()["matches"]
        time.sleep(1)
    print("\n=== Proposed matches (best first) ===")
    for job in demo.jobs:
        matches = found.get(job["id"], [])
        print(
            f"\n{job['title']} — {job['employer_name']} ({job['location']['province']}), "
            f"{job['wage_min']}–{job['wage_max']} 元/月, {len(matches)} proposals"
        )
        for m in matches[:3]:
            reasons = (
                "; ".join(r.get("zh") or r.get("text") or str(r) for r in m["reasons"][:3])
                if m["reasons"]
                else ""
            )
            print(
                f"  {m['score']:5.1f}  {demo.names.get(m['worker_id'], m['worker_id'])}  "
                f"[{m['status']}]  {reasons}"
            )
    return found


def show_outbox(demo: Demo) -> None:
    """The SMS the notifications service queued or sent for this site, a few of each template."""
    assert demo.staff is not None
    time.sleep(3)
    page = demo.call(
        demo.staff, "GET", "/api/v1/notifications", params={"site_id": demo.site["id"], "limit": 200}
    )
    print("\n=== SMS outbox (newest first, up to 6 per template) ===")
    by_status: dict[str, int] = {}
    shown: dict[str, int] = {}
    for n in page["items"]:
        by_status[n["status"]] = by_status.get(n["status"], 0) + 1
        if shown.get(n["template"], 0) >= 6:
            continue
        shown[n["template"]] = shown.get(n["template"], 0) + 1
        reason = f" ({n['status_reason']})" if n.get("status_reason") else ""
        print(f"  {n['phone_masked'] or '—':13}  {n['template']:15} {n['status']}{reason}  {n['params']}")
    print(f"by status (latest {len(page['items'])}): {by_status}")


def show_stats(demo: Demo, title: str) -> dict[str, Any]:
    """The site's employment statistics."""
    assert demo.staff is not None
    stats: dict[str, Any] = demo.call(demo.staff, "GET", f"/api/v1/sites/{demo.site['id']}/stats")
    print(f"\n=== {title} ===")
    print(
        f"households {stats['households']}, labour force {stats['labour_force']}, "
        f"employed {stats['employed']}, employment rate {stats['employment_rate']:.1%}, "
        f"zero-employment households {stats['zero_employment_households']}"
    )
    for group in stats.get("by_livelihood_type", []):
        print(f"  {group}")
    return stats


def _replyable(demo: Demo, matches: dict[str, list[dict[str, Any]]]) -> dict[str, Any] | None:
    """A notified match whose SMS is the worker's latest offer (a reply answers the latest offer)."""
    assert demo.staff is not None
    sewing_first = sorted(demo.jobs, key=lambda j: j["title"] != "缝纫工")
    for job in sewing_first:
        for m in matches.get(job["id"], [])[:5]:
            latest = demo.staff.get("/api/v1/notifications", params={"worker_id": m["worker_id"], "limit": 1})
            items = latest.json().get("items", []) if latest.status_code == 200 else []
            if items and items[0]["match_id"] == m["id"] and items[0]["status"] in ("sent", "delivered"):
                return {**m, "job_title": job["title"]}
    return None


def walk_one_worker(demo: Demo, matches: dict[str, list[dict[str, Any]]]) -> None:
    """A proposed worker replies 1 by SMS (provider callback), the office refers, then marks hired."""
    assert demo.staff is not None
    deadline = time.monotonic() + 30
    match = _replyable(demo, matches)
    while match is None and time.monotonic() < deadline:
        time.sleep(2)
        match = _replyable(demo, matches)
    if match is None:
        print(
            "\n(no SMS has been sent yet: quiet hours 21:00–08:00 Asia/Shanghai or per-number limits hold"
            " them. Run the demo in the daytime, or start the stack with NOTIFICATIONS_QUIET_START=00:00"
            " NOTIFICATIONS_QUIET_END=00:00, to see a worker reply and get hired.)"
        )
        return
    name = demo.names.get(match["worker_id"], match["worker_id"])
    token = os.environ.get("NOTIFICATIONS_CALLBACK_TOKEN", "dev-callback-token")
    print(f"\n=== {name} replies 1 to the SMS about {match['job_title']} ===")
    inbound = httpx.post(
        f"{demo.gateway}/api/v1/sms/inbound",
        timeout=30,
        headers={"X-Anju-Callback-Token": token},
        json={"phone": demo.phones[match["worker_id"]], "text": "1", "provider": "demo"},
    )
    print(f"provider callback -> {inbound.status_code}")
    status = match["status"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and status != "interested":
        time.sleep(1)
        status = demo.call(demo.staff, "GET", f"/api/v1/matches/{match['id']}")["status"]
    print(f"match status: {status}")
    if status != "interested":
        return
    for step in ("referred", "hired"):
        changed = demo.call(
            demo.staff, "POST", f"/api/v1/matches/{match['id']}/status", json={"status": step}
        )
        print(f"office marks the match {changed['status']}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        worker = demo.call(demo.staff, "GET", f"/api/v1/workers/{match['worker_id']}")
        if worker["employment_status"] == "employed":
            print(f"{name} is now employed")
            follow_one_placement(demo, match["worker_id"])
            break
        time.sleep(1)


def follow_one_placement(demo: Demo, worker_id: str) -> None:
    """The hire became a placement with follow-ups at 1, 3 and 6 months: the office completes its terms and
    records the first check-in by phone (the SMS check-in goes out on the due date)."""
    assert demo.staff is not None
    deadline = time.monotonic() + 30
    placements: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not placements:
        placements = demo.call(demo.staff, "GET", f"/api/v1/workers/{worker_id}/placements")["items"]
        if not placements:
            time.sleep(1)
    if not placements:
        print("(no placement yet: the workers service has not seen the hire)")
        return
    p = placements[0]
    dues = ", ".join(f"{f['month_offset']} 个月 {f['due_on']}" for f in p["follow_ups"])
    where = p["employer_name"] or p["job_title"]
    print(f"\nplacement {p['id'][:8]} started {p['started_on']} at {where}; follow-ups: {dues}")
    terms = {"contract_type": "劳动合同", "social_insurance": True, "version": p["version"]}
    p = demo.call(demo.staff, "PATCH", f"/api/v1/placements/{p['id']}", json=terms)
    insured = "yes" if p["social_insurance"] else "no"
    print(f"terms: wage {p['wage_cny']} CNY/month, {p['contract_type']}, social insurance {insured}")
    body = {"channel": "phone", "outcome": "on_job", "note": "电话回访：在岗，工作稳定"}
    f = demo.call(demo.staff, "POST", f"/api/v1/placements/{p['id']}/follow-ups", 201, json=body)
    print(f"follow-up recorded by {f['channel']}: {f['outcome']} ({f['note']})")


def main() -> None:
    """Build the demo site and print what the system made of it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--gateway",
        default=os.environ.get("ANJU_GATEWAY_URL")
        or f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}",
    )
    parser.add_argument("--households", type=int, default=240)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        httpx.get(f"{args.gateway}/readyz", timeout=5).raise_for_status()
    except httpx.HTTPError:
        sys.exit(f"the gateway at {args.gateway} is not ready: start the stack with `make up` first")
    demo = Demo(gateway=args.gateway, rng=random.Random(args.seed))
    demo.admin = ensure_admin(args.gateway)
    build_site(demo)
    register_households(demo, args.households)
    before = show_stats(demo, "Site statistics before matching")
    post_jobs_and_courses(demo)
    matches = show_matches(demo)
    walk_one_worker(demo, matches)
    publish_courses(demo)
    show_outbox(demo)
    after = show_stats(demo, "Site statistics now")
    print(
        f"\nemployed {before['employed']} -> {after['employed']}; zero-employment households "
        f"{before['zero_employment_households']} -> {after['zero_employment_households']}"
    )
    print(f"\nAPI docs: {args.gateway}/docs")


if __name__ == "__main__":
    main()
