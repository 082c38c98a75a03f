"""Out-of-date facts: a question must not state as today's what ``lambda_lab.limits`` says
has changed (a deprecated runtime, a superseded limit, a rule AWS has since relaxed).

Only what a question asserts is judged: its hints, explanation, feedback and correct
options. Wrong options may well state old values (that is what makes them tempting), and
any sentence that says the value is old ("was", "until", "older notes", "deprecated"...)
is history, not a claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lambda_lab import limits
from lambda_lab.quiz.model import Question

HISTORY = re.compile(
    r"\b(?:was|were|used to|until|before|older|old|no longer|deprecat\w*|blocked|"
    r"retired|earlier|previously|since|replaced|formerly|outdated|legacy|end of support|"
    r"stopped|changed|ended)\b",
    re.IGNORECASE,
)
# In a sentence about Python: "python3.10", "Python 3.10", or a bare "3.10 to 3.14".
PYTHON = re.compile(r"python", re.IGNORECASE)
RUNTIME = re.compile(r"(?<![\d.])3\.(\d{1,2})\b")
RUNTIME_RANGE = re.compile(
    r"(?<![\d.])3\.(\d{1,2}) ?(?:-|–|to|through) ?(?:[Pp]ython ?)?3\.(\d{1,2})\b"
)

# How each superseded limit reads in prose, and a word that must be near it for the
# sentence to be about that limit (256 KB is also an SNS message, 5 minutes a backoff).
SUPERSEDED_PATTERNS = {
    "MEMORY_MAX_MB": (r"\b3,?008 ?MB\b", r"memory|maximum|max|up to"),
    "TIMEOUT_MAX_S": (r"\b(?:300 ?s(?:econds)?|5 minutes|five minutes)\b", r"timeout"),
    "ASYNC_PAYLOAD_MAX_BYTES": (r"\b256 ?KB\b", r"asynchronous|async|Event invo"),
    "BILLING_GRANULARITY_MS": (r"\b100 ?ms\b", r"round|billed|granularity|increment"),
}
SUPERSEDED_EXCLUDE = re.compile(r"\bSNS\b|\brequests?\b|\bcharge|\bbill", re.IGNORECASE)


def _sentences(text: str) -> Iterator[str]:
    yield from (s for s in re.split(r"(?<=[.;!?])\s+|\n\s*\n", text) if s.strip())


# A prompt that asks which claims are wrong makes its keys quotations, not claims.
ASKS_FOR_WRONG = re.compile(
    r"\b(?:wrong|outdated|out of date|no longer|not true|false|incorrect|myths?)\b", re.IGNORECASE
)


def asserted_texts(question: Question) -> list[str]:
    """What the question states as true. The prompt is left out: it sets a scene or quotes
    a claim to judge ("A colleague says the maximum timeout is 5 minutes...")."""
    texts = list(question.hints)
    if question.explanation:
        texts.append(question.explanation)
    quoting = bool(ASKS_FOR_WRONG.search(question.prompt))
    for choice in question.choices:
        if choice.correct and not quoting:
            texts.append(choice.text)
        if choice.feedback:  # feedback explains, on right and wrong options alike
            texts.append(choice.feedback)
    if question.type == "ordering":
        texts.extend(question.items)
    return texts


def deprecated_runtimes(as_of: str = limits.FACTS_AS_OF) -> dict[str, str]:
    """runtime -> the date it was deprecated, for every Python runtime deprecated by then."""
    found = {name: "before 2026" for name in limits.DEPRECATED_PYTHON_RUNTIMES}
    for name, (deprecated, _create, _update) in limits.PYTHON_RUNTIME_DATES.items():
        if deprecated <= as_of:
            found[name] = deprecated
    return found


def _runtimes_named(sentence: str) -> set[str]:
    if not PYTHON.search(sentence):
        return set()
    named = {f"python3.{minor}" for minor in RUNTIME.findall(sentence)}
    for low, high in RUNTIME_RANGE.findall(sentence):
        named.update(f"python3.{m}" for m in range(int(low), int(high) + 1))
    return named


def outdated_statements(question: Question, as_of: str = limits.FACTS_AS_OF) -> list[str]:
    """Why the question states something out of date, one message per finding."""
    deprecated = deprecated_runtimes(as_of)
    found: list[str] = []
    for text in asserted_texts(question):
        for sentence in _sentences(text):
            history = bool(HISTORY.search(sentence))
            for runtime in sorted(_runtimes_named(sentence)):
                if runtime in deprecated and not history:
                    since = deprecated[runtime]
                    found.append(
                        f"states {runtime} without saying it is deprecated "
                        f"(since {since}, limits.PYTHON_RUNTIME_DATES)"
                    )
            found.extend(_superseded(sentence, history))
            found.extend(_relaxed_rules(sentence, history))
    return sorted(set(found))


def _superseded(sentence: str, history: bool) -> list[str]:
    if history or SUPERSEDED_EXCLUDE.search(sentence):
        return []
    found = []
    for name, (value, context) in SUPERSEDED_PATTERNS.items():
        if re.search(value, sentence) and re.search(context, sentence, re.IGNORECASE):
            old, changed = limits.SUPERSEDED_LIMITS[name]
            found.append(
                f"states {old:,} as today's {name} (changed {changed}; now {getattr(limits, name):,})"
            )
    return found


def _relaxed_rules(sentence: str, history: bool) -> list[str]:
    """Rules AWS has relaxed: the REST API's 29 s ceiling, function URL permissions."""
    found = []
    hard = re.search(r"\b29[- ]?(?:s|seconds?)\b", sentence) and re.search(
        r"cannot be (?:raised|increased|changed)|can't be (?:raised|increased)|hard limit"
        r"|fixed limit|never more than",
        sentence,
        re.IGNORECASE,
    )
    if hard and not history:
        since = limits.API_GATEWAY_TIMEOUT_RAISABLE_SINCE
        found.append(
            f"says the 29 s REST API timeout is fixed; Regional and private APIs "
            f"can raise it since {since}"
        )
    only_url = "lambda:InvokeFunctionUrl" in sentence and not re.search(
        r"lambda:InvokeFunction\b(?!Url)", sentence
    )
    enough = re.search(r"\b(?:only|enough|alone|suffices?|sufficient)\b", sentence, re.IGNORECASE)
    if only_url and enough and not history:
        since = limits.FUNCTION_URL_BOTH_PERMISSIONS_SINCE
        found.append(
            "says lambda:InvokeFunctionUrl alone lets callers in; new function URLs need "
            f"lambda:InvokeFunction too since {since}"
        )
    return found
