"""What a check works with: the learner's text, a fresh Lab made on first use, and helpers
that turn what the Lab did into sentences for a verdict.

A check is a plain function ``check(ctx) -> str``: it deploys and runs the learner's work
through ``ctx``, raises :class:`Failed` (via ``ctx.fail`` or ``ctx.expect``) on the first
thing that is not as the task asks, and returns a sentence saying what it saw on a pass.
"""

from __future__ import annotations

import ast
import json
from typing import Any, NoReturn

from lambda_lab.exercises.model import Exercise, Failed

_MISSING = object()


def short(value: Any, limit: int = 120) -> str:
    """A value as a learner would write it, cut to ``limit`` characters."""
    text = json.dumps(value) if isinstance(value, (dict, list)) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CheckContext:
    def __init__(self, exercise: Exercise, source: str) -> None:
        self.exercise = exercise
        self.source = source
        self._lab: Any = None
        self._module: ast.Module | None = None

    # -- the Lab --------------------------------------------------------------------------------
    @property
    def lab(self) -> Any:
        """A Lab of its own for this check, made on first use with the exercise's options
        (a virtual clock unless it says ``clock: real``)."""
        if self._lab is None:
            from lambda_lab.lab import Lab

            options: dict[str, Any] = {"clock": "virtual", **self.exercise.lab}
            self._lab = Lab(**options)
        return self._lab

    def close(self) -> None:
        if self._lab is not None:
            self._lab.close()
            self._lab = None

    # -- failing ------------------------------------------------------------------------------
    @staticmethod
    def fail(seen: str, expected: str = "", details: str = "") -> NoReturn:
        raise Failed(seen, expected, details)

    def expect(self, condition: Any, seen: str, expected: str = "", details: str = "") -> None:
        if not condition:
            self.fail(seen, expected, details)

    # -- reading the learner's file -------------------------------------------------------------
    def module(self) -> ast.Module:
        """The learner's Python file, parsed; a syntax error is a failing verdict with its line."""
        if self._module is None:
            try:
                self._module = ast.parse(self.source)
            except SyntaxError as error:
                where = f"line {error.lineno}" + (
                    f", column {error.offset}" if error.offset else ""
                )
                self.fail(
                    f"your code does not compile: SyntaxError at {where}: {error.msg}",
                    "Python that compiles (check brackets, colons and indentation)",
                    (error.text or "").rstrip(),
                )
        return self._module

    def setting(self, name: str, default: Any = _MISSING) -> Any:
        """The value of a top-level ``NAME = <plain value>`` in the learner's file.

        Read without running the file: only literals (numbers, text, lists, dicts, None) count.
        """
        for node in self.module().body:
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                try:
                    return ast.literal_eval(node.value)
                except ValueError:
                    self.fail(
                        f"{name} is not a plain value (line {node.lineno})",
                        f"{name} written out as numbers, text, lists or dicts, without calls or names",
                    )
        if default is _MISSING:
            self.fail(
                f"your file has no {name} = ... line", f"a top-level {name} = ... as in the starter"
            )
        return default

    def config(self) -> dict[str, Any]:
        """``CONFIG``: the function's settings in CreateFunction's own names (may be absent)."""
        value = self.setting("CONFIG", {})
        self.expect(
            isinstance(value, dict),
            f"CONFIG is {short(value)}",
            "CONFIG = {...}: a dict of settings",
        )
        return dict(value)

    def defines(self, function_name: str) -> bool:
        return any(
            isinstance(node, ast.FunctionDef) and node.name == function_name
            for node in self.module().body
        )

    # -- driving the Lab ------------------------------------------------------------------------
    def deploy(
        self,
        name: str,
        code: str | bytes | None = None,
        *,
        learner_config: bool = True,
        **fixed: Any,
    ) -> dict[str, Any]:
        """Deploy the learner's code (or ``code``) with CONFIG's settings, then ``fixed`` ones.

        Lambda refusing the function (a bad memory size, an unknown runtime) is a failing verdict
        carrying AWS's own error code and message.
        """
        settings = {**(self.config() if learner_config else {}), **fixed}
        from lambda_lab import errors

        try:
            return dict(self.lab.deploy(name, self.source if code is None else code, **settings))
        except errors.LambdaError as error:
            self.fail(
                f"Lambda refused the function: {error.code}: {error.message}",
                "settings that CreateFunction accepts",
            )
        except (TypeError, ValueError) as error:
            self.fail(f"the function could not be deployed: {error}", "settings as in the starter")

    def invoke(self, name: str, event: Any = None, **options: Any) -> Any:
        return self.lab.invoke(name, {} if event is None else event, **options)

    @staticmethod
    def outcome(result: Any) -> str:
        """What an invoke came to, in words: 'returned ...' or 'failed with Type: message'."""
        if result.function_error:
            body = result.value if result.payload else {}
            kind = (
                body.get("errorType", result.function_error)
                if isinstance(body, dict)
                else result.function_error
            )
            message = body.get("errorMessage", "") if isinstance(body, dict) else ""
            message = str(message) if len(str(message)) <= 200 else str(message)[:199] + "…"
            return f"failed with {kind}: {message}"
        return f"returned {short(result.value)}"

    def failed_invoke(self, result: Any, what: str, expected: str) -> NoReturn:
        """Fail with what the invoke came to and the end of its log as evidence."""
        platform = ("START ", "END ", "REPORT ", "INIT_START ")
        lines = [line for line in result.log.rstrip().splitlines() if not line.startswith(platform)]
        tail = "\n".join(lines[-6:])
        self.fail(f"{what} {self.outcome(result)}", expected, tail)

    def queue(self, name: str, **attributes: str) -> tuple[str, str]:
        """An SQS queue in the check's Lab: (URL, ARN)."""
        sqs = self.lab.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return url, arn

    def messages(self, queue_url: str, most: int = 10) -> list[dict[str, Any]]:
        """Every message waiting in a queue (received, so they become invisible for a while)."""
        sqs = self.lab.client("sqs")
        found: list[dict[str, Any]] = []
        while len(found) < most:
            batch = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                break
            found += batch
        return found

    def arn(self, function_name: str) -> str:
        return f"arn:aws:lambda:{self.lab.region}:{self.lab.account_id}:function:{function_name}"
