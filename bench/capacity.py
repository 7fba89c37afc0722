"""Capacity model on paper: tasks, database, broker and the first limit, per scale step.

    .venv/bin/python -m bench.capacity [--json]

It reads the last figures each benchmark saved in bench/results/<name>.json (run the
benchmarks first; a missing file falls back to the figure recorded in RUNBOOK.md and says
so), applies the stated assumptions and prints, for 1,000 / 10,000 / 100,000 advisors
(100 k / 1 M / 10 M members), how many tasks of each role, the RDS class and connection
budget, the Amazon MQ broker size and what breaks first. It is arithmetic, not a load test:
the per-task figures come from a 2-core shared machine and each task is assumed to get one
such core (Fargate 1 vCPU), used to at most TARGET_UTILISATION.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from bench.results import load_results

TARGET_UTILISATION = 0.5  # headroom for bursts, deploys (one task draining) and a lost AZ
POOL_SIZE = 10  # DB_POOL_MAX_SIZE default (shared/settings.py)
MIN_TASKS = 2  # two AZs


@dataclass(frozen=True)
class Assumptions:
    """The load each advisor and member brings; change them here, not in the arithmetic."""

    members_per_advisor: int = 100
    screens_per_advisor_per_minute: float = 2.0  # member screens while working
    advisors_active_at_peak: float = 0.5  # share of advisors working in the peak hour
    sms_per_member_per_month: float = 4.0
    webhooks_per_sms: float = 3.0  # queued/sent/delivered status callbacks (+ replies)
    sms_peak_factor: float = 10.0  # business-hours burst over the monthly average
    events_per_sms: float = 3.0  # outbox rows per SMS (requested, sent, status)
    members_per_employer: int = 500
    eligibility_files_per_employer_per_week: float = 1.0
    eligibility_window_hours: float = 8.0  # files land in a nightly window


# Per-task figures from the benchmarks (fallbacks: RUNBOOK "Performance" section, 2 cores).
FALLBACK = {
    "bff_rps": 900.0,
    "webhook_rps": 700.0,
    "relay_events_per_s": 3000.0,
    "eligibility_rows_per_s": 60_000.0,
}

# RDS for PostgreSQL max_connections = LEAST(DBInstanceClassMemory / 9531392, 5000);
# commits/s one gp3/io2 primary sustains with synchronous commit (group commit helps);
# simple indexed reads/s at ~5,000 per vCPU.
RDS_CLASSES = (
    ("db.t4g.medium", 4, 400, 1_000, 10_000),
    ("db.m6g.large", 8, 800, 2_000, 10_000),
    ("db.m6g.xlarge", 16, 1_700, 4_000, 20_000),
    ("db.m6g.2xlarge", 32, 3_400, 8_000, 40_000),
    ("db.m6g.4xlarge", 64, 5_000, 15_000, 80_000),
    ("db.r6g.8xlarge", 256, 5_000, 25_000, 160_000),
)
QUERIES_PER_BFF_REQUEST = 3  # session lookup, member row, one list
PRODUCTION = {"rds": "db.m6g.large", "mq": "mq.m5.large"}  # terraform/environments/production
# Amazon MQ for RabbitMQ, cluster of three: persistent confirmed publishes/s into quorum queues.
MQ_SIZES = (
    ("mq.m5.large", 2_000),
    ("mq.m5.xlarge", 5_000),
    ("mq.m5.2xlarge", 10_000),
    ("mq.m5.4xlarge", 20_000),
)
SMS_NUMBER_MPS = 1.0  # a 10DLC long code; a short code sends ~100/s


@dataclass
class Step:
    advisors: int
    members: int
    bff_rps: float
    webhook_rps: float
    sms_out_per_s: float
    events_per_s: float
    eligibility_rows_per_s: float
    bff_tasks: int
    gateway_web_tasks: int
    worker_tasks: int
    scheduler_tasks: int
    db_connections: int
    db_commits_per_s: float
    rds_class: str
    rds_proxy: bool
    mq_size: str
    sms_numbers_or_short_code: str
    read_replica: bool
    partition: list[str]
    db_reads_per_s: float
    breaks_first: str


def measured() -> tuple[dict[str, float], dict[str, str]]:
    """Per-task capacities from the saved benchmark JSON, and where each came from."""
    figures = dict(FALLBACK)
    source = {key: "RUNBOOK fallback" for key in figures}
    bff = load_results("bff")
    if bff:
        figures["bff_rps"] = float(bff["figures"]["bff_rps"])
        source["bff_rps"] = f"bench/results/bff.json {bff['at']}"
    webhooks = load_results("webhooks")
    if webhooks:
        figures["webhook_rps"] = float(webhooks["figures"]["gateway"]["rps"])
        source["webhook_rps"] = f"bench/results/webhooks.json {webhooks['at']}"
    events = load_results("events")
    if events:
        figures["relay_events_per_s"] = float(
            events["figures"]["batch_64"]["pipeline_events_per_s"]
        )
        source["relay_events_per_s"] = f"bench/results/events.json {events['at']}"
    eligibility = load_results("eligibility")
    if eligibility:
        figures["eligibility_rows_per_s"] = float(eligibility["figures"]["ours_rows_per_s"])
        source["eligibility_rows_per_s"] = f"bench/results/eligibility.json {eligibility['at']}"
    return figures, source


def _tasks(load: float, per_task: float) -> int:
    return max(MIN_TASKS, math.ceil(load / (per_task * TARGET_UTILISATION)))


def step(advisors: int, a: Assumptions, per_task: dict[str, float]) -> Step:
    """One scale step: the load it brings and what serves it."""
    members = advisors * a.members_per_advisor
    month_s = 30 * 24 * 3600
    bff_rps = advisors * a.advisors_active_at_peak * a.screens_per_advisor_per_minute / 60 * 4
    # x4: a member screen is about four API calls (member, accounts, messages, appointments)
    sms_out = members * a.sms_per_member_per_month / month_s * a.sms_peak_factor
    webhook_rps = sms_out * a.webhooks_per_sms
    events = sms_out * a.events_per_sms + webhook_rps
    employers = members / a.members_per_employer
    rows_week = employers * a.eligibility_files_per_employer_per_week * a.members_per_employer
    eligibility_rows = rows_week / 5 / (a.eligibility_window_hours * 3600)

    bff_tasks = _tasks(bff_rps, per_task["bff_rps"])
    web_tasks = _tasks(webhook_rps, per_task["webhook_rps"])
    worker_tasks = max(
        _tasks(events, per_task["relay_events_per_s"]),
        _tasks(eligibility_rows, per_task["eligibility_rows_per_s"]),
    )
    scheduler_tasks = MIN_TASKS  # leader-elected jobs; a second task is a hot standby
    connections = (bff_tasks + web_tasks + worker_tasks + scheduler_tasks) * POOL_SIZE
    # Commits: each webhook (group-committed, ~8 per commit at load), each event twice
    # (outbox insert is in the producer's transaction; consumer inbox + handler), bff reads none.
    commits = webhook_rps / 8 + events + eligibility_rows / 5_000
    rds = next(
        (c for c in RDS_CLASSES if c[3] * TARGET_UTILISATION >= commits),
        RDS_CLASSES[-1],
    )
    proxy = connections > rds[2] * 0.8
    mq = next((m for m in MQ_SIZES if m[1] * TARGET_UTILISATION >= events), MQ_SIZES[-1])
    numbers = math.ceil(sms_out / SMS_NUMBER_MPS)
    sms = f"{numbers} long codes" if numbers <= 50 else f"short code ({sms_out:.0f} msg/s)"
    reads = bff_rps * QUERIES_PER_BFF_REQUEST
    replica = reads > rds[4] * TARGET_UTILISATION  # screens' reads past the primary's share
    partition = []
    if members >= 1_000_000:
        partition += ["audit_log by month", "outbox (published rows) by day"]
    if members >= 10_000_000:
        partition += ["webhook_events by month"]
    # What breaks first if this load lands on today's production sizes (production.tfvars).
    prod_rds = next(c for c in RDS_CLASSES if c[0] == PRODUCTION["rds"])
    prod_mq = next(m for m in MQ_SIZES if m[0] == PRODUCTION["mq"])
    limits = {
        "database commit rate": commits / prod_rds[3],
        "database reads (bff screens)": reads / prod_rds[4],
        "database connections": connections / prod_rds[2],
        "broker confirms": events / prod_mq[1],
        "SMS provider rate limit (one short code, 100 msg/s)": sms_out / 100,
    }
    first = max(limits, key=lambda k: limits[k])
    return Step(
        advisors=advisors,
        members=members,
        bff_rps=round(bff_rps, 1),
        webhook_rps=round(webhook_rps, 1),
        sms_out_per_s=round(sms_out, 1),
        events_per_s=round(events, 1),
        eligibility_rows_per_s=round(eligibility_rows, 1),
        bff_tasks=bff_tasks,
        gateway_web_tasks=web_tasks,
        worker_tasks=worker_tasks,
        scheduler_tasks=scheduler_tasks,
        db_connections=connections,
        db_commits_per_s=round(commits, 1),
        rds_class=rds[0],
        rds_proxy=proxy,
        mq_size=mq[0],
        sms_numbers_or_short_code=sms,
        read_replica=replica,
        partition=partition,
        db_reads_per_s=round(reads, 1),
        breaks_first=f"{first} at {limits[first]:.0%} of today's production capacity",
    )


def model(a: Assumptions | None = None) -> dict[str, Any]:
    """The whole model as data: assumptions, per-task figures and their sources, the steps."""
    a = a or Assumptions()
    per_task, source = measured()
    return {
        "assumptions": asdict(a),
        "per_task": per_task,
        "per_task_source": source,
        "steps": [asdict(step(n, a, per_task)) for n in (1_000, 10_000, 100_000)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = model()
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result["per_task"].items():
        print(f"per task {key:<24} {value:>10.0f}   ({result['per_task_source'][key]})")
    for s in result["steps"]:
        print(
            f"\n{s['advisors']:,} advisors / {s['members']:,} members:"
            f" bff {s['bff_rps']}/s, webhooks {s['webhook_rps']}/s, SMS out {s['sms_out_per_s']}/s,"
            f" events {s['events_per_s']}/s, eligibility {s['eligibility_rows_per_s']} rows/s"
        )
        print(
            f"  tasks: bff {s['bff_tasks']}, gateway-web {s['gateway_web_tasks']},"
            f" worker {s['worker_tasks']}, scheduler {s['scheduler_tasks']}"
        )
        print(
            f"  RDS {s['rds_class']} ({s['db_commits_per_s']} commits/s,"
            f" {s['db_reads_per_s']} reads/s,"
            f" {s['db_connections']} connections{', via RDS Proxy' if s['rds_proxy'] else ''});"
            f" MQ {s['mq_size']}; SMS {s['sms_numbers_or_short_code']}"
        )
        extras = (["read replica for bff"] if s["read_replica"] else []) + s["partition"]
        print(f"  needs: {', '.join(extras) or 'nothing beyond the above'}")
        print(f"  breaks first: {s['breaks_first']}")


if __name__ == "__main__":
    main()
