"""Checks of lesson 14: Retry and Catch in a state machine, an idempotent handler, SNS filters."""

from __future__ import annotations

import json
from typing import Any

from lambda_lab.exercises.context import CheckContext, short

ROLE = "arn:aws:iam::123456789012:role/service-role/StepFunctions-checkout"
CHARGE = """calls = 0  # survives between the calls of one warm environment

def lambda_handler(event, context):
    global calls
    calls += 1
    if event["card"] == "declined":
        raise ValueError("card declined")
    if calls % 3 != 0:  # the payment service drops two calls out of three
        raise ConnectionError("payment service unavailable")
    return {"order": event["order"], "charged": event["amount"]}
"""
REFUND = (
    "def lambda_handler(event, context):\n    return {'order': event['order'], 'refunded': True}\n"
)


def retry_catch(ctx: CheckContext) -> str:
    from lambda_lab.orchestration.step_functions import history, wait_for

    definition = ctx.setting("DEFINITION")
    ctx.expect(isinstance(definition, dict), f"DEFINITION is {short(definition)}", "a dict of ASL")
    retry = [r for s in definition.get("States", {}).values() if isinstance(s, dict)
             for r in s.get("Retry", [])]  # fmt: skip
    waits = [float(r.get("IntervalSeconds", 1)) * float(r.get("MaxAttempts", 3)) for r in retry]
    ctx.expect(sum(waits) <= 20, f"your retries may wait up to {sum(waits):.0f} s",
               "IntervalSeconds and MaxAttempts that keep the check under 20 s")  # fmt: skip
    ctx.deploy("charge", CHARGE, learner_config=False)
    ctx.deploy("refund", REFUND, learner_config=False)
    sfn = ctx.lab.client("stepfunctions")
    try:
        machine = sfn.create_state_machine(name="checkout", definition=json.dumps(definition),
                                           roleArn=ROLE)["stateMachineArn"]  # fmt: skip
    except sfn.exceptions.InvalidDefinition as problem:
        ctx.fail(f"Step Functions refused the definition: {problem.response['Error']['Message'][:300]}",
                 "a valid Amazon States Language definition")  # fmt: skip

    def run(order: str, card: str) -> tuple[dict[str, Any], list[str]]:
        started = sfn.start_execution(stateMachineArn=machine,
                                      input=json.dumps({"order": order, "amount": 30, "card": card}))  # fmt: skip
        described = wait_for(sfn, started["executionArn"], timeout_s=60)
        events = [e["type"] for e in history(sfn, started["executionArn"])]
        return described, events

    def ended(described: dict[str, Any]) -> str:
        if described["status"] == "SUCCEEDED":
            return f"SUCCEEDED with {short(json.loads(described['output']))}"
        return f"{described['status']} with {described.get('error')}"

    paid, events = run("o-1", "ok")
    charges = len(ctx.lab.records.for_function("charge"))
    ctx.expect(paid["status"] == "SUCCEEDED" and '"charged"' in paid.get("output", ""),
               f"the order o-1 ended {ended(paid)} after {charges} call{'s' * (charges != 1)} of charge",
               "SUCCEEDED with the charge: retry ConnectionError until the payment service answers",
               " → ".join(events))  # fmt: skip
    before = len(ctx.lab.records.for_function("charge"))
    declined, events = run("o-2", "declined")
    tries = len(ctx.lab.records.for_function("charge")) - before
    ctx.expect(tries == 1, f"a declined card was charged {tries} times",
               "one try: retrying a declined card cannot help (retry only ConnectionError)")  # fmt: skip
    refunds = ctx.lab.records.for_function("refund")
    ctx.expect(declined["status"] == "SUCCEEDED" and refunds,
               f"the declined order ended {ended(declined)}, refund ran {len(refunds)} times",
               "a Catch on ValueError that goes to a Refund state calling the refund function",
               " → ".join(events))  # fmt: skip
    return f"o-1 was charged after {charges} calls; the declined o-2 went once to charge, then to Refund"


def idempotent(ctx: CheckContext) -> str:
    dynamodb = ctx.lab.client("dynamodb")
    dynamodb.create_table(TableName="payments", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "payment_id", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "payment_id", "AttributeType": "S"}])  # fmt: skip
    ctx.deploy("charge", Timeout=10, Environment={"Variables": {"TABLE_NAME": "payments"}})
    answers = []
    for event in ({"order_id": "o-1", "amount": 30},) * 3 + ({"order_id": "o-2", "amount": 12},):
        result = ctx.invoke("charge", event)
        if result.function_error:
            ctx.failed_invoke(
                result, f"order {event['order_id']}", "a payment, or the one made before"
            )
        answers.append(result.value)
    items = dynamodb.scan(TableName="payments")["Items"]
    orders = sorted(i.get("order_id", {}).get("S", "?") for i in items)
    ctx.expect(len(items) == 2, f"the same order o-1 was delivered 3 times and payments holds "
               f"{len(items)} items for orders {orders}",
               "2 items: one payment per order, however often it is delivered")  # fmt: skip
    ctx.expect(answers[0] == answers[1] == answers[2],
               f"the three deliveries of o-1 answered {short(answers[:3])}",
               "the same answer each time: the payment made the first time")  # fmt: skip
    return "o-1 delivered three times, charged once; o-2 charged once"


MESSAGES: list[tuple[str, dict[str, Any]]] = [
    ("m1", {"event": "placed", "amount": 120, "country": "FR"}),
    ("m2", {"event": "placed", "amount": 0, "country": "DE"}),
    ("m3", {"event": "refunded", "amount": 40, "country": "FR"}),
    ("m4", {"event": "shipped", "amount": 120, "country": "FR"}),
    ("m5", {"event": "cancelled", "amount": 15, "country": "ES"}),
]
WANTED = {"billing": ["m1", "m3"], "warehouse": ["m1", "m2"]}
PRINTER = (
    "def lambda_handler(event, context):\n    print('GOT', event['Records'][0]['Sns']['Message'])\n"
)


def fan_out_filters(ctx: CheckContext) -> str:
    policies = ctx.setting("FILTER_POLICIES")
    ctx.expect(isinstance(policies, dict) and set(policies) == set(WANTED),
               f"FILTER_POLICIES is {short(policies)}", "a policy for billing and for warehouse")  # fmt: skip
    sns = ctx.lab.client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    for name, policy in policies.items():
        ctx.deploy(name, PRINTER, learner_config=False)
        attributes = {"FilterPolicy": json.dumps(policy)} if policy else {}
        try:
            sns.subscribe(
                TopicArn=topic, Protocol="lambda", Endpoint=ctx.arn(name), Attributes=attributes
            )
        except sns.exceptions.InvalidParameterException as problem:
            ctx.fail(f"SNS refused the policy of {name}: {problem.response['Error']['Message']}",
                     "a filter policy SNS accepts")  # fmt: skip
    for message, attributes in MESSAGES:
        sns.publish(TopicArn=topic, Message=message, MessageAttributes={
            key: {"DataType": "Number", "StringValue": str(value)} if isinstance(value, int)
            else {"DataType": "String", "StringValue": value} for key, value in attributes.items()})  # fmt: skip
    ctx.lab.clock.run_until_idle()
    for name, wanted in WANTED.items():
        got = sorted(e.message.split("GOT ")[1] for e in ctx.lab.logs.events(name, pattern="GOT"))
        shown = "; ".join(f"{m}={a}" for m, a in MESSAGES)
        ctx.expect(got == wanted, f"{name} received {got}", f"{name} receives {wanted}", shown)
    return "billing got the placed order with an amount and the refund; the warehouse got the placed orders"
