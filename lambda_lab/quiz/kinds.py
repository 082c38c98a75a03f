"""Question kinds: how each `type` is validated, shown, answered and graded.

A new type is one more class here, registered in :data:`KINDS`; the linter, the sessions
and both front ends work through this interface only.

Responses have one canonical form per kind, whatever the front end: a frozenset of option
keys for choice kinds, a tuple of item indices for ordering, a float for numeric.
"""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lambda_lab.quiz.model import Item, Option, Question
from lambda_lab.quiz.schema import (
    LETTERS,
    MAX_CHOICES,
    MIN_CHOICES,
    SELECT_IN_PROMPT,
    SELECT_WORDS,
)

if TYPE_CHECKING:
    from lambda_lab.quiz.validate import Scope  # validating needs it; asking questions does not

CHOICE_FIELDS = ("text", "correct", "feedback", "value")


class AnswerError(ValueError):
    """A response the question cannot take; the message tells the learner what to type."""


def _letters(text: str) -> list[str]:
    return [c for c in text.lower() if c not in " ,;"]


class Kind(ABC):
    name = ""
    label = ""  # as shown to learners
    fields: tuple[str, ...] = ()
    checkable = False  # its key is a single value a `check` can compare
    per_choice_feedback = False  # wrong answers can carry their own feedback

    @abstractmethod
    def validate(self, q: Scope, *, explained: bool, checked: bool) -> None:
        """Report problems in the type-specific fields of question ``q``."""

    def build(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}

    shuffled = False  # options are shown in a random order

    def option_keys(self, question: Question) -> tuple[Any, ...]:
        """The keys of the answer options, in the bank's order (none for typed answers)."""
        return ()

    def option_text(self, question: Question, key: Any) -> str:
        return str(key)

    def present(self, question: Question, rng: random.Random) -> tuple[Option, ...]:
        keys = list(self.option_keys(question))
        if self.shuffled:
            rng.shuffle(keys)
        return self.options(question, keys)

    def options(self, question: Question, keys: list[Any]) -> tuple[Option, ...]:
        """Options for keys in the given order, lettered a, b, c..."""
        return tuple(
            Option(letter, self.option_text(question, key), key)
            for letter, key in zip(LETTERS, keys, strict=False)
        )

    @abstractmethod
    def parse(self, item: Item, text: str) -> Any:
        """The canonical response for what the learner typed; AnswerError if unusable."""

    @abstractmethod
    def grade(self, question: Question, response: Any) -> bool:
        """True when the response is entirely right (no partial credit, as on AWS exams)."""

    def instructions(self, question: Question) -> str:
        return ""

    @abstractmethod
    def key_text(self, item: Item) -> str:
        """The right answer as the learner sees it, with the item's letters."""

    def response_text(self, item: Item) -> str:
        if item.response is None:
            return "no answer"
        return ", ".join(sorted(item.letter_of(k) for k in item.response))

    def key_value(self, question: Question) -> Any:
        return question.answer

    def dump(self, response: Any) -> Any:
        """The response as JSON-friendly data (for saved sessions)."""
        return sorted(response, key=str)

    def load(self, raw: Any) -> Any:
        return frozenset(raw)


class ChoiceKind(Kind):
    fields: tuple[str, ...] = ("choices",)
    per_choice_feedback = True
    shuffled = True

    def expected_correct(self, q: Scope) -> int | None:
        return 1

    def validate(self, q: Scope, *, explained: bool, checked: bool) -> None:
        choices = q.field("choices")
        if not choices.require() or not choices.expect(isinstance(choices.value, list), "a list"):
            return
        if not MIN_CHOICES <= len(choices.value) <= MAX_CHOICES:
            count = len(choices.value)
            choices.report(f"expected {MIN_CHOICES} to {MAX_CHOICES} choices, got {count}")
        correct: list[Scope] = []
        texts: dict[str, Any] = {}
        for choice in choices.items():
            if not choice.mapping():
                continue
            choice.only_fields(CHOICE_FIELDS, "a choice")
            text = choice.field("text")
            if text.text(required=True):
                if text.value.strip() in texts:
                    text.report(f"same text as choices[{texts[text.value.strip()]}]")
                texts.setdefault(text.value.strip(), choice.path[-1])
            flag = choice.field("correct")
            flag.expect(isinstance(flag.value, bool), "true or false")
            choice.field("feedback").text()
            value = choice.field("value")
            value.expect(isinstance(value.value, (str, int, float)), "a number, string or boolean")
            if flag.value is True:
                correct.append(choice)
            elif not choice.field("feedback").present and not explained:
                choice.report("wrong choice has no feedback and the question has no explanation")
        self._check_correct_count(q, choices, correct)
        if checked:
            self._check_values(q, correct)

    def _check_correct_count(self, q: Scope, choices: Scope, correct: list[Scope]) -> None:
        expected = self.expected_correct(q)
        named = ", ".join(f"choices[{c.path[-1]}]" for c in correct) or "none"
        if expected is not None and len(correct) != expected:
            if self.name == "single":
                message = f"a 'single' question needs exactly 1 correct choice, got {len(correct)}"
                choices.report(f"{message}: {named}")
            else:
                message = f"select is {expected} but {len(correct)} choices are correct"
                q.field("select").report(f"{message}: {named}")
        prompt = q.field("prompt")
        said = SELECT_IN_PROMPT.search(prompt.value) if isinstance(prompt.value, str) else None
        if said and expected is not None:
            word = said.group(1).lower()
            number = SELECT_WORDS[word] if word in SELECT_WORDS else int(word)
            if number != expected:
                said_text = said.group(0)
                prompt.report(f"the prompt says '{said_text}' but the question expects {expected}")

    def _check_values(self, q: Scope, correct: list[Scope]) -> None:
        if len(correct) == 1 and not correct[0].field("value").present:
            correct[0].report("the correct choice needs a 'value' for the check to compare")

    def build(self, data: dict[str, Any]) -> dict[str, Any]:
        from lambda_lab.quiz.model import Choice

        choices = tuple(
            Choice(
                text=c["text"].strip(),
                correct=c.get("correct", False),
                feedback=(c.get("feedback") or "").strip() or None,
                value=c.get("value"),
            )
            for c in data["choices"]
        )
        return {"choices": choices, "select": sum(c.correct for c in choices)}

    def option_keys(self, question: Question) -> tuple[Any, ...]:
        return tuple(range(len(question.choices)))

    def option_text(self, question: Question, key: Any) -> str:
        return question.choices[key].text

    def parse(self, item: Item, text: str) -> Any:
        letters = _letters(text)
        valid = {o.letter: o.key for o in item.options}
        span = f"a to {item.options[-1].letter}"
        if not letters or any(c not in valid for c in letters) or len(set(letters)) != len(letters):
            raise AnswerError(f"{self.instructions(item.question)} Type letters from {span}.")
        if len(letters) != item.question.select:
            raise AnswerError(f"{self.instructions(item.question)} You chose {len(letters)}.")
        return frozenset(valid[c] for c in letters)

    def grade(self, question: Question, response: Any) -> bool:
        return response == frozenset(i for i, c in enumerate(question.choices) if c.correct)

    def instructions(self, question: Question) -> str:
        return "Choose one."

    def key_text(self, item: Item) -> str:
        keys = [o for o in item.options if item.question.choices[o.key].correct]
        return ", ".join(f"{o.letter}) {o.text}" for o in keys)

    def key_value(self, question: Question) -> Any:
        return next(c.value for c in question.choices if c.correct)


class SingleKind(ChoiceKind):
    name = "single"
    label = "single answer"
    checkable = True


class MultipleKind(ChoiceKind):
    name = "multiple"
    label = "multiple response"
    fields = ("choices", "select")

    def expected_correct(self, q: Scope) -> int | None:
        select = q.field("select")
        if not select.require():
            return None
        count = len(q.field("choices").value or ())
        if not select.integer(2, max(2, count - 1)):
            return None
        return select.value

    def instructions(self, question: Question) -> str:
        return f"Select {question.select}."


class TrueFalseKind(Kind):
    name = "true_false"
    label = "true or false"
    fields = ("answer",)
    checkable = True

    def validate(self, q: Scope, *, explained: bool, checked: bool) -> None:
        answer = q.field("answer")
        if answer.require():
            answer.expect(isinstance(answer.value, bool), "true or false")

    def build(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"answer": data["answer"]}

    def option_keys(self, question: Question) -> tuple[Any, ...]:
        return (True, False)

    def option_text(self, question: Question, key: Any) -> str:
        return "True" if key else "False"

    def parse(self, item: Item, text: str) -> Any:
        word = text.strip().lower()
        mapping = {"a": True, "true": True, "b": False, "false": False}
        if word not in mapping:
            raise AnswerError("Type a (true) or b (false).")
        return frozenset({mapping[word]})

    def grade(self, question: Question, response: Any) -> bool:
        return response == frozenset({question.answer})

    def instructions(self, question: Question) -> str:
        return "True or false?"

    def key_text(self, item: Item) -> str:
        return f"{item.letter_of(item.question.answer)}) {item.question.answer}"


def number_text(value: float) -> str:
    """A number as people write it, 3,200,000 and 130,000.2 ("g" showed 3.2e+06 and 130000),
    which the answer parser reads back; "g" beyond 1e15, where a float's digits are noise."""
    number = float(value)
    if not math.isfinite(number) or abs(number) >= 1e15:
        return f"{number:g}"
    return f"{Decimal(repr(number)).normalize():,f}"


class NumericKind(Kind):
    name = "numeric"
    label = "number"
    fields = ("answer", "tolerance", "unit")
    checkable = True

    def validate(self, q: Scope, *, explained: bool, checked: bool) -> None:
        answer = q.field("answer")
        if answer.require():
            answer.number()
        tolerance = q.field("tolerance")
        if tolerance.number() and tolerance.present and tolerance.value < 0:
            tolerance.report(f"expected a number >= 0, got {tolerance.value}")
        q.field("unit").text(required=True)

    def build(self, data: dict[str, Any]) -> dict[str, Any]:
        tolerance = float(data.get("tolerance", 0))
        return {"answer": data["answer"], "tolerance": tolerance, "unit": data["unit"]}

    def parse(self, item: Item, text: str) -> Any:
        cleaned = text.strip().lower().replace(",", "").replace("_", "")
        unit = item.question.unit.lower()
        if unit and cleaned.endswith(unit):
            cleaned = cleaned[: -len(unit)].strip()
        try:
            value = float(cleaned)
        except ValueError:
            raise AnswerError(f"Type a number (in {item.question.unit}).") from None
        if not math.isfinite(value):
            raise AnswerError(f"Type a number (in {item.question.unit}).")
        return value

    def grade(self, question: Question, response: Any) -> bool:
        slack = question.tolerance + 1e-9 * max(1.0, abs(question.answer))
        return abs(response - question.answer) <= slack

    def instructions(self, question: Question) -> str:
        return f"Type a number (in {question.unit})."

    def key_text(self, item: Item) -> str:
        q = item.question
        tolerance = f" (within {number_text(q.tolerance)})" if q.tolerance else ""
        return f"{number_text(q.answer)} {q.unit}{tolerance}"

    def response_text(self, item: Item) -> str:
        if item.response is None:
            return "no answer"
        return f"{number_text(item.response)} {item.question.unit}"

    def dump(self, response: Any) -> Any:
        return response

    def load(self, raw: Any) -> Any:
        return float(raw)


class OrderingKind(Kind):
    name = "ordering"
    label = "ordering"
    fields = ("items",)

    def validate(self, q: Scope, *, explained: bool, checked: bool) -> None:
        items = q.field("items")
        valid = items.require() and items.text_list(minimum=MIN_CHOICES, maximum=MAX_CHOICES)
        if valid and len(set(items.value)) != len(items.value):
            items.report("items must all be different")

    def build(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"items": tuple(i.strip() for i in data["items"])}

    shuffled = True

    def option_keys(self, question: Question) -> tuple[Any, ...]:
        return tuple(range(len(question.items)))

    def option_text(self, question: Question, key: Any) -> str:
        return question.items[key]

    def present(self, question: Question, rng: random.Random) -> tuple[Option, ...]:
        options = super().present(question, rng)
        if [o.key for o in options] == sorted(o.key for o in options):
            options = self.options(question, [o.key for o in options[1:] + options[:1]])
        return options  # never the answer as the starting order

    def parse(self, item: Item, text: str) -> Any:
        letters = _letters(text)
        valid = {o.letter: o.key for o in item.options}
        if sorted(letters) != sorted(valid):
            example = "".join(reversed(list(valid)))
            raise AnswerError(f"Type all {len(valid)} letters in order, e.g. {example}.")
        return tuple(valid[c] for c in letters)

    def grade(self, question: Question, response: Any) -> bool:
        return tuple(response) == tuple(range(len(question.items)))

    def instructions(self, question: Question) -> str:
        return "Put them in order: type the letters, first to last."

    def key_text(self, item: Item) -> str:
        return ", ".join(f"{item.letter_of(k)}) {t}" for k, t in enumerate(item.question.items))

    def response_text(self, item: Item) -> str:
        if item.response is None:
            return "no answer"
        return ", ".join(item.letter_of(k) for k in item.response)

    def dump(self, response: Any) -> Any:
        return list(response)

    def load(self, raw: Any) -> Any:
        return tuple(raw)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (SingleKind(), MultipleKind(), TrueFalseKind(), NumericKind(), OrderingKind())
}
