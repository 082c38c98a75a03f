"""Every serverless skill of the two exam guides is tested by at least three questions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lambda_lab.quiz.bank import load_bank

SKILLS_FILE = Path(__file__).resolve().parents[1] / "data" / "exam_skills.yaml"
MIN_QUESTIONS = 3


def skills() -> list[dict]:
    return yaml.safe_load(SKILLS_FILE.read_text(encoding="utf-8"))["skills"]


@pytest.fixture(scope="module")
def questions():
    return load_bank().by_id()


def test_the_skill_map_is_well_formed():
    ids = [skill["id"] for skill in skills()]
    assert len(ids) == len(set(ids)), "duplicate skill ids"
    for skill in skills():
        assert set(skill) == {"id", "exam", "task", "skill", "questions"}, skill["id"]
        assert skill["exam"] in ("DVA-C02", "SAA-C03"), skill["id"]
        assert len(set(skill["questions"])) == len(skill["questions"]), skill["id"]
    exams = {skill["exam"] for skill in skills()}
    assert exams == {"DVA-C02", "SAA-C03"}


@pytest.mark.parametrize("skill", skills(), ids=lambda skill: skill["id"])
def test_each_skill_has_three_questions_of_its_exam(skill, questions):
    missing = [qid for qid in skill["questions"] if qid not in questions]
    assert not missing, f"{skill['id']}: no such questions: {missing}"
    for_exam = [qid for qid in skill["questions"] if skill["exam"] in questions[qid].domains]
    wrong = sorted(set(skill["questions"]) - set(for_exam))
    assert not wrong, f"{skill['id']}: not tagged for {skill['exam']}: {wrong}"
    assert len(for_exam) >= MIN_QUESTIONS, f"{skill['id']}: only {len(for_exam)} questions"


def test_the_guides_task_statements_are_all_covered():
    """Each serverless task statement of both guides has at least one skill in the map."""
    tasks = {(skill["exam"], skill["task"]) for skill in skills()}
    dva = {f"1.{n}" for n in (1, 2, 3)} | {f"2.{n}" for n in (1, 2, 3)}
    dva |= {f"3.{n}" for n in (1, 2, 3, 4)} | {f"4.{n}" for n in (1, 2, 3)}
    saa = {"1.1", "1.2", "1.3", "2.1", "2.2", "3.2", "3.3", "3.4", "3.5", "4.2", "4.4"}
    assert {t for e, t in tasks if e == "DVA-C02"} == dva
    assert {t for e, t in tasks if e == "SAA-C03"} == saa
