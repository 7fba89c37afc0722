"""The risk engine: applies the rules to every line and item, then decides umbrella.

The date is passed in (the caller's clock) so "produced in the last 5 years" is testable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from shared.domain.risk_profile import (
    Exclusion,
    InsuranceLine,
    ItemPlan,
    LineAssessment,
    LinePlan,
    OwnershipStatus,
    Plan,
    Reason,
    RiskAssessment,
    RiskProfile,
    RiskProfileRequest,
)
from shared.domain.risk_rules import (
    EXCLUSION_RULES,
    NO_ECONOMIC_MAIN_LINE,
    POINT_RULES,
    ExclusionRule,
    RiskFacts,
    Subject,
    plan_for,
    umbrella_offered,
)


def assess_risk(request: RiskProfileRequest, *, today: date) -> RiskAssessment:
    """Score every line of insurance for a member, with the reasons behind each plan."""
    facts = RiskFacts.from_request(request, today=today)
    main = [_assess(facts, subject) for subject in _main_subjects(facts)]
    umbrella_exclusions = () if umbrella_offered(a.plan for a in main) else (NO_ECONOMIC_MAIN_LINE,)
    umbrella = _assess(facts, Subject(InsuranceLine.UMBRELLA), umbrella_exclusions)
    lines = [*main, umbrella]
    return RiskAssessment(profile=_profile(lines), lines=lines)


def _main_subjects(facts: RiskFacts) -> list[Subject]:
    """One subject per vehicle and house (or one empty line when there is none)."""
    autos = [Subject(InsuranceLine.AUTO, vehicle=v) for v in facts.vehicles]
    owned = [h for h in facts.houses if h.ownership_status is not OwnershipStatus.RENTED]
    rented = [h for h in facts.houses if h.ownership_status is OwnershipStatus.RENTED]
    homes = [Subject(InsuranceLine.HOME, house=h) for h in owned]
    renters = [Subject(InsuranceLine.RENTERS, house=h) for h in rented]
    return [
        *(autos or [Subject(InsuranceLine.AUTO)]),
        Subject(InsuranceLine.DISABILITY),
        *(homes if facts.houses else [Subject(InsuranceLine.HOME)]),
        *renters,
        Subject(InsuranceLine.LIFE),
    ]


def _assess(
    facts: RiskFacts, subject: Subject, extra_exclusions: Iterable[ExclusionRule] = ()
) -> LineAssessment:
    reasons = [
        Reason(rule=rule.name, description=rule.description, points=points)
        for rule in POINT_RULES
        if (points := rule.points(facts, subject)) != 0
    ]
    exclusions = [
        Exclusion(rule=rule.name, description=rule.description)
        for rule in (*EXCLUSION_RULES, *extra_exclusions)
        if rule.excludes(facts, subject)
    ]
    score = sum(reason.points for reason in reasons)
    return LineAssessment(
        line=subject.line,
        item_id=subject.item_id,
        plan=Plan.INELIGIBLE if exclusions else plan_for(score),
        score=score,
        reasons=reasons,
        ineligible_because=exclusions,
    )


def _line_plan(assessments: list[LineAssessment]) -> LinePlan:
    """A whole line's plan as a string; an itemized line as one plan per item."""
    items = [(a.item_id, a.plan) for a in assessments]
    if len(items) == 1 and items[0][0] is None:
        return items[0][1]
    return [ItemPlan(id=item_id, plan=plan) for item_id, plan in items if item_id is not None]


def _profile(lines: list[LineAssessment]) -> RiskProfile:
    by_line: dict[InsuranceLine, list[LineAssessment]] = {}
    for assessment in lines:
        by_line.setdefault(assessment.line, []).append(assessment)

    def single(line: InsuranceLine) -> Plan:
        (assessment,) = by_line[line]
        return assessment.plan

    def optional(line: InsuranceLine) -> LinePlan | None:
        return _line_plan(by_line[line]) if line in by_line else None

    return RiskProfile(
        auto=_line_plan(by_line[InsuranceLine.AUTO]),
        disability=single(InsuranceLine.DISABILITY),
        home=optional(InsuranceLine.HOME),
        renters=optional(InsuranceLine.RENTERS),
        life=single(InsuranceLine.LIFE),
        umbrella=single(InsuranceLine.UMBRELLA),
    )
