"""Checks of lesson 00's warm-ups: a greeting, a failing test event, an environment variable."""

from __future__ import annotations

from lambda_lab.exercises.context import CheckContext, short


def hello_name(ctx: CheckContext) -> str:
    ctx.deploy("hello-name")
    for name in ("Ada", "Grace", "Linus"):
        event = {"name": name}
        result = ctx.invoke("hello-name", event)
        if result.function_error:
            ctx.failed_invoke(result, f"the event {short(event)}", f"the text 'Hello, {name}!'")
        ctx.expect(
            result.value == f"Hello, {name}!",
            f"for the event {short(event)} your function {ctx.outcome(result)}",
            f"'Hello, {name}!'",
        )
    return "three events, three right greetings (Ada, Grace, Linus)"


def fix_key(ctx: CheckContext) -> str:
    ctx.deploy("full-name")
    event = {"first": "Ada", "last": "Lovelace"}
    result = ctx.invoke("full-name", event)
    if result.function_error:
        ctx.failed_invoke(result, f"the test event {short(event)}", "'Ada Lovelace'")
    ctx.expect(
        result.value == "Ada Lovelace", f"your function {ctx.outcome(result)}", "'Ada Lovelace'"
    )
    other = ctx.invoke("full-name", {"first": "Grace", "last": "Hopper"})
    ctx.expect(
        other.value == "Grace Hopper",
        f"for Grace Hopper your function {ctx.outcome(other)}",
        "'Grace Hopper': read the names from the event, not from the code",
    )
    return "the test event returned 'Ada Lovelace', and another event its own name"


def env_greeting(ctx: CheckContext) -> str:
    ctx.expect(
        "os.environ['GREETING']" in ctx.source.replace('"', "'"),
        "the handler no longer reads os.environ['GREETING']",
        "the handler as given; change CONFIG only",
    )
    ctx.deploy("greeter")
    result = ctx.invoke("greeter", {"name": "Ada"})
    if result.function_error:
        ctx.failed_invoke(result, 'the event {"name": "Ada"}', "'Welcome, Ada!'")
    ctx.expect(
        result.value == "Welcome, Ada!", f"your function {ctx.outcome(result)}", "'Welcome, Ada!'"
    )
    return "the handler read GREETING=Welcome from its configuration and returned 'Welcome, Ada!'"
