"""The Jupyter widget, driven as a learner would: set values, click buttons (no browser)."""

from __future__ import annotations

import asyncio
import html
import os
import subprocess
import sys

import ipywidgets as widgets

from lambda_lab.quiz import for_lesson, show
from lambda_lab.quiz.bank import load_bank
from lambda_lab.quiz.profiles import packaged_profiles
from lambda_lab.quiz.progress import ProgressStore
from lambda_lab.quiz.session import Session
from lambda_lab.quiz.widget import QuizWidget
from lambda_lab.widgets.prose import prose


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def enter(quiz: QuizWidget, letters_or_text: str) -> None:
    """Fill in the current question's inputs the way a learner would."""
    kind = quiz.session.current.question.type
    if kind in ("single", "true_false"):
        quiz.answer_inputs[0].value = letters_or_text
    elif kind == "multiple":
        for option, box in zip(quiz.session.current.options, quiz.answer_inputs, strict=True):
            box.value = option.letter in letters_or_text
    else:
        quiz.answer_inputs[-1].value = letters_or_text


def test_practice_gives_feedback_flags_and_an_end_screen(answer_key):
    quiz = show("pricing", seed=2, count=3)
    assert isinstance(quiz, QuizWidget)
    first = quiz.session.current.question
    assert quiz.status.value.startswith("<b>Question 1/3</b> · pricing · ")
    at_text_height = prose("§").split("§")[0]  # (an HTML widget's own is a control's 28 px)
    assert quiz.prompt.value.startswith(at_text_height + "<p>") and "<i>" in quiz.prompt.value
    enter(quiz, answer_key.right(quiz.session.current))
    quiz.submit_button.click()
    assert "✔ Correct" in quiz.feedback.value and quiz.submit_button.disabled
    assert first.explanation.split()[0] in quiz.feedback.value
    quiz.next_button.click()
    quiz.flag_button.click()
    assert "⚑ flagged" in quiz.status.value and quiz.flag_button.description == "Unflag"
    flagged = quiz.session.current.question.id
    enter(quiz, answer_key.wrong(quiz.session.current))
    quiz.submit_button.click()
    assert "✘ Not quite." in quiz.feedback.value
    quiz.next_button.click()
    enter(quiz, answer_key.right(quiz.session.current))
    quiz.submit_button.click()
    assert "<h3>Score: 2/3 (67%)</h3>" in quiz.end.value
    assert "<td>Design Cost-Optimized Architectures</td>" in quiz.end.value
    assert "<h4>2. [wrong]</h4>" in quiz.end.value
    store = ProgressStore.open()
    assert store.questions[flagged]["flagged"] is True
    assert store.sessions == {}  # finished


def test_too_few_boxes_ticked_is_explained(answer_key):
    three = [q for q in load_bank().questions if q.type == "multiple" and q.select == 3]
    quiz = QuizWidget(Session(three[:1], mode="practice", seed=1), "Select three")
    assert "(Select THREE.)" in quiz.prompt.value
    enter(quiz, answer_key.right(quiz.session.current)[:1])
    quiz.submit_button.click()
    assert quiz.message.value.endswith("Select 3. You chose 1.</span>")
    enter(quiz, answer_key.right(quiz.session.current))
    quiz.submit_button.click()
    assert "✔ Correct" in quiz.feedback.value


def test_wrong_answers_get_the_chosen_options_feedback(answer_key):
    question = next(q for q in load_bank().questions if q.id == "pr-billed-101ms")
    quiz = QuizWidget(Session([question], mode="practice", seed=1), "One")
    letter = answer_key.wrong(quiz.session.current)
    enter(quiz, letter)
    quiz.submit_button.click()
    key = next(o.key for o in quiz.session.current.options if o.letter == letter)
    choice = question.choices[key]
    assert "✘ Not quite." in quiz.feedback.value
    assert html.escape(choice.feedback) in quiz.feedback.value
    assert "<b>Answer:</b>" in quiz.feedback.value and "Read more: <a href=" in quiz.feedback.value


def test_the_hint_button_is_hidden_when_a_question_has_no_hints(write_bank):
    path = write_bank(
        "quiet",
        """
        topic: quiet
        title: Quiet
        questions:
          - id: quiet-one
            type: true_false
            domains: {SAA-C03: cost}
            prompt: Lambda bills duration in 1 ms steps.
            answer: true
            explanation: Duration has been billed per millisecond since December 2020.
            references: [https://aws.amazon.com/lambda/pricing/]
            lesson: 09_pricing#two-meters
        """,
    )
    quiet = load_bank(directory=path.parent).questions
    quiz = QuizWidget(Session(quiet, mode="practice", seed=1), "Quiet")
    assert quiz.hint_button.layout.display == "none"
    hinted = next(q for q in load_bank().questions if q.hints)
    quiz = QuizWidget(Session([hinted], mode="practice", seed=1), "Hinted")
    assert quiz.hint_button.layout.display is None


def test_show_me_runs_the_experiment_and_lays_its_evidence_beside_the_explanation(answer_key):
    question = next(q for q in load_bank().questions if q.id == "pr-billed-101ms")
    quiz = QuizWidget(Session([question, question], mode="practice", seed=1), "Show me")
    assert quiz.show_button.layout.display == "none"  # not before the answer is in
    enter(quiz, answer_key.right(quiz.session.current))
    quiz.submit_button.click()
    assert quiz.show_button.layout.display is None
    shown = quiz.show_button.click()
    assert shown is None  # ipywidgets' click returns nothing; the evidence is on the page
    assert "<b>In the Lab:</b>" in quiz.evidence.value
    assert "REPORT RequestId" in quiz.evidence.value
    assert "Billed Duration: 101 ms" in quiz.evidence.value
    assert "The experiment failed" not in quiz.evidence.value
    row = quiz.children[quiz.children.index(quiz.show_button) - 1]
    assert list(row.children) == [quiz.feedback, quiz.evidence]  # side by side


def test_a_question_without_an_experiment_offers_no_show_me(answer_key):
    plain = next(q for q in load_bank().questions if q.experiment is None and q.type == "single")
    quiz = QuizWidget(Session([plain], mode="practice", seed=1), "Plain")
    enter(quiz, answer_key.right(quiz.session.current))
    quiz.submit_button.click()
    assert quiz.show_button.layout.display == "none"
    assert quiz.show_me() is None
    assert quiz.message.value == "This question has no Lab experiment to show yet."


def test_a_lesson_quiz_scores_then_offers_the_whole_topic(answer_key):
    quiz = for_lesson("07_concurrency", seed=3)
    assert isinstance(quiz, QuizWidget)
    assert 8 <= len(quiz.session.items) <= 12
    assert {it.question.lesson.split("#")[0] for it in quiz.session.items} == {"07_concurrency"}
    assert quiz.more_button.layout.display == "none"
    assert quiz.more_button.description == "Practice the whole topic (concurrency)"
    for n, _ in enumerate(quiz.session.items):
        enter(quiz, answer_key.right(quiz.session.current))
        quiz.submit_button.click()
        if n + 1 < len(quiz.session.items):
            quiz.next_button.click()
    total = len(quiz.session.items)
    assert f"<h3>Score: {total}/{total} (100%)</h3>" in quiz.end.value
    assert quiz.more_button.layout.display is None
    quiz.more_button.click()
    (whole,) = quiz.children
    assert isinstance(whole, QuizWidget) and whole.session.mode == "practice"
    assert {it.question.topic for it in whole.session.items} == {"concurrency"}
    assert len(whole.session.items) > total


def test_a_one_question_exam_gets_two_minutes_not_forty():
    quiz = show(exam="saa-c03", count=1, seed=1)
    assert len(quiz.grid_buttons) == 1
    assert quiz.clock.value in ("<b>⏱ Time left 02:00</b>", "<b>⏱ Time left 01:59</b>")
    assert quiz.session.profile.time_limit_s == 120
    quiz.close()


def test_hints_appear_one_by_one():
    quiz = show("pricing", seed=1)
    quiz.jump(next(i for i, it in enumerate(quiz.session.items) if len(it.question.hints) == 2))
    quiz.hint_button.click()
    assert quiz.hint_area.value.count("Hint") == 1
    quiz.hint_button.click()
    assert quiz.hint_area.value.count("Hint") == 2
    quiz.hint_button.click()
    assert quiz.message.value == "No more hints for this question."


def test_exam_mode_has_a_clock_a_grid_and_holds_feedback(answer_key):
    profile = packaged_profiles()["saa-c03"]
    clock = Ticker()
    store = ProgressStore.open()
    session = Session(
        load_bank().questions, mode="exam", profile=profile, seed=4, progress=store, clock=clock
    )
    quiz = QuizWidget(session, profile.title)
    assert quiz.clock.value == "<b>⏱ Time left 40:00</b>"
    assert len(quiz.grid_buttons) == 20 and quiz.grid_buttons[0].button_style == "primary"
    assert not quiz.ticking  # no event loop in plain pytest: the test ticks by hand
    enter(quiz, answer_key.right(session.current))
    quiz.submit_button.click()
    assert quiz.feedback.value == "" and session.index == 1  # held, moved on
    assert quiz.grid_buttons[0].button_style == "info"
    quiz.flag_button.click()
    assert quiz.grid_buttons[1].button_style == "primary"
    quiz.grid_buttons[5].click()
    assert session.index == 5 and quiz.grid_buttons[1].button_style == "warning"
    clock.now = 61.0
    quiz.tick()
    assert quiz.clock.value == "<b>⏱ Time left 38:59</b>"
    clock.now = profile.time_limit_s
    quiz.tick()
    assert session.finished
    assert (
        "<h3>Score: 1/20 (5%)</h3>" in quiz.end.value
        and "<b>FAIL</b> (pass mark 72%)" in quiz.end.value
    )
    assert "Time used 40:00 of 40:00" in quiz.end.value
    assert quiz.submit_button.disabled and quiz.finish_button.disabled


def test_in_a_kernel_the_clock_ticks_on_the_event_loop_until_the_exam_ends():
    """A Jupyter kernel runs an asyncio loop; the widget schedules its ticks on it."""
    profile = packaged_profiles()["saa-c03"]
    clock = Ticker()

    async def exam_in_a_kernel() -> QuizWidget:
        session = Session(load_bank().questions, mode="exam", profile=profile, seed=2, clock=clock)
        quiz = QuizWidget(session, profile.title, tick_every_s=0.01)
        assert quiz.ticking
        clock.now = 125.0
        await asyncio.sleep(0.1)
        assert quiz.clock.value == "<b>⏱ Time left 37:55</b>"
        clock.now = profile.time_limit_s + 1
        await asyncio.sleep(0.1)
        return quiz

    quiz = asyncio.run(exam_in_a_kernel())
    assert quiz.session.finished and not quiz.ticking
    assert "<b>FAIL</b> (pass mark 72%)" in quiz.end.value


def test_closing_the_widget_stops_its_clock():
    async def open_and_close() -> QuizWidget:
        quiz = show(exam="saa-c03", seed=1)
        assert quiz.ticking
        quiz.close()
        return quiz

    assert not asyncio.run(open_and_close()).ticking


def test_finish_button_scores_the_exam():
    quiz = show(exam="dva-c02", seed=1)
    quiz.finish_button.click()
    assert "<h3>Score: 0/20 (0%)</h3>" in quiz.end.value
    assert "Development with AWS Services" in quiz.end.value and "SAA-C03" not in quiz.end.value


def test_the_widget_and_the_terminal_share_progress_and_saved_sessions(quiz_home):
    quiz = show("pricing", seed=2, count=3)
    enter(quiz, "1")
    quiz.submit_button.click()
    done = subprocess.run(
        [sys.executable, "-m", "lambda_lab.cli.app", "quiz", "pricing", "--count", "3"],
        input="q\n",
        capture_output=True,
        text=True,
        env={**os.environ, "LAMBDA_LAB_HOME": str(quiz_home)},
        timeout=30,
        check=True,
    )
    assert "Resuming your saved practice session: 1 of 3 answered" in done.stdout
    assert "Question 2/3" in done.stdout


def test_nothing_to_review_is_said_plainly():
    note = show("pricing", mode="review")
    assert isinstance(note, widgets.HTML)
    assert note.value == prose(
        "<p>Nothing to review: no wrong or flagged answers yet. Practise first.</p>"
    )


def test_a_numeric_answer_is_shown_as_it_is_written_in_the_box_and_the_feedback():
    quiz = show("pricing", seed=1)
    at = next(i for i, it in enumerate(quiz.session.items) if it.question.id == "pr-volume-tiers")
    quiz.jump(at)
    enter(quiz, "130,100.2 USD")  # wrong, so the feedback repeats it beside the key
    quiz.submit_button.click()
    assert "You answered: 130,100.2 USD" in quiz.feedback.value
    assert "<b>Answer:</b> 130,000.2 USD (within 1)" in quiz.feedback.value
    quiz.jump(0)
    quiz.jump(at)  # back to it: the box shows what was typed, not 130100 (format "g")
    assert quiz.answer_inputs[-1].value == "130,100.2"
