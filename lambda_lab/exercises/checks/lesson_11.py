"""Checks of lesson 11: decrypting in init, caching a secret, a VPC that reaches what it
must, and the resource-based policy of a public function URL."""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

from lambda_lab.aws.call_counts import CallCounter
from lambda_lab.aws.iam_policies import evaluate
from lambda_lab.exercises.context import CheckContext, short
from lambda_lab.simulate.vpc_demo import DemoNetwork

PASSWORD = "correct-horse-battery-staple"


def decrypt_in_init(ctx: CheckContext) -> str:
    kms = ctx.lab.service_client("kms")
    key = kms.create_key(Description="payments configuration")["KeyMetadata"]
    blob = kms.encrypt(
        KeyId=key["KeyId"], Plaintext=PASSWORD.encode(),
        EncryptionContext={"LambdaFunctionName": "payments"},
    )["CiphertextBlob"]  # fmt: skip
    variables = {"DB_PASSWORD": base64.b64encode(blob).decode()}
    with CallCounter(ctx.lab.account_id, ctx.lab.region) as calls:
        calls.watch("kms", "decrypt")
        ctx.deploy("payments", Environment={"Variables": variables}, KMSKeyArn=key["Arn"])
        answers = []
        for number in range(1, 4):
            result = ctx.invoke("payments")
            if result.function_error:
                ctx.failed_invoke(result, f"invoke {number}", 'the answer {"password_length": 28}')
            answers.append(result.value)
        decrypts = calls["kms", "decrypt"]
    ctx.expect(all(a == {"password_length": len(PASSWORD)} for a in answers),
               f"three invokes returned {short(answers)}",
               f'{{"password_length": {len(PASSWORD)}}} each time: the length of the decrypted password')  # fmt: skip
    ctx.expect(decrypts == 1, f"KMS Decrypt was called {decrypts} times for three invokes",
               "once: decrypt in the init code (outside the handler) and keep the value")  # fmt: skip
    return "three invokes, one KMS Decrypt (in init), the right password length"


def secret_cache(ctx: CheckContext) -> str:
    secrets = ctx.lab.service_client("secretsmanager")
    secrets.create_secret(
        Name="prod/db", SecretString=json.dumps({"username": "shop", "password": "one"})
    )
    with CallCounter(ctx.lab.account_id, ctx.lab.region) as calls:
        calls.watch("secretsmanager", "get_secret_value")
        ctx.deploy(
            "orders", Environment={"Variables": {"SECRET_ID": "prod/db", "CACHE_TTL_SECONDS": "2"}}
        )
        first = [ctx.invoke("orders") for _ in range(4)]
        for result in first:
            if result.function_error:
                ctx.failed_invoke(
                    result, "the function", 'the answer {"user": "shop", "password": "one"}'
                )
        seen = [r.value for r in first]
        ctx.expect(all(v == {"user": "shop", "password": "one"} for v in seen), f"four invokes returned {short(seen)}",
                   '{"user": "shop", "password": "one"} (username and password of the secret)')  # fmt: skip
        fetched = calls["secretsmanager", "get_secret_value"]
        ctx.expect(fetched == 1, f"Secrets Manager was asked {fetched} times for four invokes within 2 s",
                   "once: keep the secret in a global and reuse it while it is younger than CACHE_TTL_SECONDS")  # fmt: skip
        secrets.put_secret_value(
            SecretId="prod/db", SecretString=json.dumps({"username": "shop", "password": "two"})
        )
        time.sleep(2.3)
        later = ctx.invoke("orders").value
        ctx.expect(later == {"user": "shop", "password": "two"},
                   f"2.3 s after the secret was rotated the function returned {short(later)}",
                   "the new password: fetch the secret again once the cached copy is older than CACHE_TTL_SECONDS")  # fmt: skip
    return "one call to Secrets Manager while the cache was fresh, the rotated value after the TTL"


def vpc_network(ctx: CheckContext) -> str:
    network = ctx.setting("NETWORK")
    known = {"nat_gateway", "private_route_to_internet_gateway", "s3_gateway_endpoint",
             "secretsmanager_interface_endpoint", "database_allows_function"}  # fmt: skip
    ctx.expect(isinstance(network, dict) and set(network) <= known, f"NETWORK is {short(network)}",
               f"a dict with some of {sorted(known)} set to True or False")  # fmt: skip
    net = DemoNetwork(ctx.lab.service_client("ec2"), ctx.lab.region)
    net.set_route_to_internet_gateway(bool(network.get("private_route_to_internet_gateway")))
    net.set_nat(bool(network.get("nat_gateway")))
    net.set_endpoint("s3", bool(network.get("s3_gateway_endpoint")))
    net.set_endpoint("secretsmanager", bool(network.get("secretsmanager_interface_endpoint")))
    net.set_database_rule(bool(network.get("database_allows_function")))
    internet, s3, secrets, _dynamodb, database = net.paths()
    for path, what in ((internet, "the internet (the payment provider)"), (s3, "S3"),
                       (secrets, "Secrets Manager"), (database, "the database on port 5432")):  # fmt: skip
        ctx.expect(
            path.reachable,
            f"{what} is not reachable: {path.how}",
            f"{what} reachable from the private subnet",
        )
    ctx.expect(s3.how.startswith("through the gateway endpoint"), f"S3 is reached {s3.how}",
               "S3 through a gateway endpoint, so its traffic does not pay for the NAT gateway")  # fmt: skip
    return "internet through NAT, S3 through its gateway endpoint, Secrets Manager and the database reachable"


def url_permissions(ctx: CheckContext) -> str:
    permissions = ctx.setting("PERMISSIONS")
    ctx.expect(isinstance(permissions, list) and all(isinstance(p, dict) for p in permissions),
               f"PERMISSIONS is {short(permissions)}", "a list of AddPermission parameter dicts")  # fmt: skip
    ctx.deploy(
        "webhook",
        "def lambda_handler(event, context):\n    return {'received': True}\n",
        learner_config=False,
    )
    lam = ctx.lab.client("lambda")
    url = lam.create_function_url_config(FunctionName="webhook", AuthType="NONE")["FunctionUrl"]
    for number, params in enumerate(permissions, start=1):
        try:
            lam.add_permission(FunctionName="webhook", StatementId=f"statement-{number}", **params)
        except Exception as error:  # botocore's own errors: parameter or service validation
            ctx.fail(
                f"AddPermission refused statement {number}: {error}",
                "parameters AddPermission accepts",
            )
    policy = json.loads(lam.get_policy(FunctionName="webhook")["Policy"])
    arn = ctx.arn("webhook")
    through_url = {"lambda:FunctionUrlAuthType": "NONE", "lambda:InvokedViaFunctionUrl": "true"}
    for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"):
        decision = evaluate([policy], action, arn, principal="anonymous", context=through_url)
        ctx.expect(decision.allowed, f"an anonymous caller of the URL is refused {action} ({decision.value})",
                   "since October 2025 a public URL needs both lambda:InvokeFunctionUrl and lambda:InvokeFunction for Principal *")  # fmt: skip
    direct = evaluate(
        [policy], "lambda:InvokeFunction", arn, principal="arn:aws:iam::999988887777:root"
    )
    ctx.expect(not direct.allowed, "anyone, from any account, may now call the Invoke API on the function directly",
               "the InvokeFunction statement limited to calls through the URL (InvokedViaFunctionUrl)")  # fmt: skip
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            status, body = reply.status, reply.read()
    except urllib.error.HTTPError as error:
        with error:
            status, body = error.code, error.read()
    ctx.expect(status == 200, f"GET {url} answered {status} {body[:80]!r}", "200 from the function")
    return "the URL is public through both permissions, and direct Invoke stays closed"
