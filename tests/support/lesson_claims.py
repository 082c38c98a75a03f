"""What lessons 10 and 11 say the Lab printed, checked against what it printed as nbval runs them.

The lessons demonstrate by printing: a 429 after the burst, a cached answer, an authorizer's
deny, a decrypted variable, a connection count... The text around those cells promises these
results, so each demonstrating cell, by its id, has the strings its output must hold (or a
function reading it). ``nbval_claims`` checks them on the outputs of nbval's own run of the
lesson, so a lesson whose text promises what the Lab no longer does fails at that cell, and
the lesson is not run a second time to be read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

LESSON_10_CLAIMS = {
    "shop-api": ["200 {'products': ['socks', 'hat', 'scarf']", "'version': '$LATEST'"],
    "custom-integration": ["(200, {'order': '42', 'asked_from': '127.0.0.1', 'stage': 'prod'})",
                           "the function received: {'id': '42', 'caller': '127.0.0.1', 'stage': 'prod'}"],
    "aliases": ["stages: {'prod': {'alias': 'live'}, 'beta': {'alias': 'beta'}}"],
    "custom-errors": ["GET /orders/0: 404 {'error': 'Not found: order 0'}", "GET /orders/bad: 200"],
    "stage-call": ["500 {'message': 'Internal server error'}", "Invalid permissions on Lambda function", "runs of catalog caused: 0"],
    "add-permissions": ["prod  -> 200 version 1", "beta  -> 200 version 2"],
    "deploy-demo": ["before deploying: 403 {'message': 'Missing Authentication Token'}", "after deploying:  200"],
    "stage-throttle": [
        "six at once: [200, 200, 200, 200, 429, 429]", "429 {'message': 'Too Many Requests'}",
        "x-amzn-ErrorType: TooManyRequestsException", "runs of catalog: 4", "one second later: [200, 200, 429]",
    ],
    "usage-plan-setup": [
        "no key: (403, {'message': 'Forbidden'})", "[200, 200, 200, 200, 200, 429]", "{'message': 'Limit Exceeded'}",
        "{'used': 5, 'remaining': 0}",
    ],
    "cache-on": ["1st: miss | 2nd: hit", "runs of catalog for two requests: 1", "61 s later: miss"],
    "cache-keys": ["asked for hats, got category: shoes | served from: hit"],
    "cache-key-fix": ["shoes: got shoes (miss)", "hats: got hats (miss)", "hats: got hats (hit)"],
    "cache-invalidate": ["anonymous: hit | Warning: 199", "admin-tool: refresh"],
    "validation-demo": [
        "200 {\"item\": \"socks\", \"quantity\": 2}", "-> {'message': 'Invalid request body'}",
        "(400, {'message': 'Missing required request parameters: [q]'})", "runs of catalog for 5 requests: 1",
    ],
    "authorizer-setup": [
        "-> 200 {'principalId': 'user-allow', 'tier': 'gold'",
        "-> 403 {'Message': 'User is not authorized to access this resource with an explicit deny'}",
        "-> 401 {'message': 'Unauthorized'}  (authorizer invoked)",
        "{}                                 -> 401 {'message': 'Unauthorized'}  (authorizer not invoked)",
    ],
    "authorizer-cache-demo": ["GET /orders  -> 200 invoked", "GET /invoices -> 403 {'Message': 'User is not authorized to access this resource'} cached"],
    "cognito-demo": ["ID token: 200 {'cognito:username': 'ana', 'token_use': 'id'", "forged token: (401, {'message': 'Unauthorized'})"],
    "jwt-http-api": ["GET /orders, ID token: 200 {'cognito:username': 'ana', 'token_use': 'id', 'exp': '", "| scopes: None",
                     "forged token: 401 {'message': 'Unauthorized'} | Bearer scope=\"\" error=\"invalid_token\""],
    "jwt-scopes-demo": ["POST /orders, IdToken: 403 {'message': 'Forbidden'} | Bearer scope=\"aws.cognito.signin.user.admin\" error=\"insufficient_scope\"",
                        "POST /orders, AccessToken: 200 | scopes: ['aws.cognito.signin.user.admin']"],
    "cors-demo": ["preflight: 200", "'Access-Control-Allow-Origin': 'https://shop.example'", "carries Access-Control-Allow-Origin: False"],
    "cors-gateway-responses": ["403 {'message': 'Missing Authentication Token'} | Access-Control-Allow-Origin: https://shop.example"],
    "timeout-demo": ["504 {'message': 'Endpoint request timed out'} after 1.", "the function ran 3."],
    "timeout-quota": ["before the quota increase: timeout_ms must be 50-29000 ms", "after it: timeout 60000 ms"],
    "payload-demo": ["7 MB -> 500 {'message': 'Internal server error'} (RequestEntityTooLargeException)",
                     "11 MB -> 413 {'message': 'Request Too Long'}", "runs of catalog: 0"],
}  # fmt: skip

LESSON_11_CLAIMS = {
    "resource-policy-demo": ["with it: 200", "without it: 500 {'message': 'Internal server error'}", "the function ran: 0 times"],
    "source-arn-demo": ["SourceArn of another API: 500 | of this API: 200"],
    "cross-account-demo": ["partner-app       -> Allow", "stranger          -> ImplicitDeny"],
    "execution-role-demo": [
        "Lambda may assume it: True", "Allow         s3:GetObject on arn:aws:s3:::shop-media/photos/cat.png",
        "ImplicitDeny  s3:GetObject on arn:aws:s3:::shop-media/invoices", "ExplicitDeny  s3:DeleteObject",
        "ImplicitDeny  sqs:ReceiveMessage",
    ],
    "payments-fn": ["{'password_length': 28, 'starts_with': 'cor'}", "KMS Decrypt calls: 1", "(ciphertext)"],
    "kms-context-demo": ["without the context: InvalidCiphertextException", "with it: b'cor'"],
    "secrets-demo": ["all the same: True", "GetSecretValue calls: 1 | GetParameter calls: 2",
                     "right after the rotation: first", "after the 2 s TTL:        rotated"],
    "vpc-build": ["-> 1 Hyperplane ENI", "NO   the internet", "NO   the database (port 5432)"],
    "igw-demo": ["NO   the internet (api.example.com)   the route goes straight to an internet gateway",
                 "yes  the internet (api.example.com)   through the NAT gateway"],
    "vpc-explorer-set": ["yes  s3 (AWS)                         through the gateway endpoint",
                         "yes  secretsmanager (AWS)             through the interface endpoint",
                         "yes  the database (port 5432)", "NO   the internet"],
    "direct-db": ["'ROW SELECT * FROM orders': 4", "'ERR too many connections': 4", "'current': 4, 'peak': 4, 'opened': 4, 'refused': 4"],
    "proxied-db": ["{'ROW SELECT * FROM orders': 8}", "clients of the proxy: {'current': 8, 'peak': 8",
                   "database: {'current': 2, 'peak': 2, 'opened': 2, 'refused': 0}"],
    "url-iam": ["unsigned request: (403", "signed request: (200, '{\"report\": \"ready\"}')"],
    "url-none": ["with InvokeFunctionUrl only: {'InvokeFunctionUrl': 'Allow', 'InvokeFunction': 'ImplicitDeny'}",
                 "with both statements:       {'InvokeFunctionUrl': 'Allow', 'InvokeFunction': 'Allow'}",
                 "Invoke API directly: ImplicitDeny", "the URL itself: (200"],
}  # fmt: skip


def _canary_takes_about_its_share(printed: str) -> None:
    counts = json.loads(printed.split(" of 200")[0].replace("'", '"'))
    assert 5 <= counts.get("2", 0) <= 45 and sum(counts.values()) == 200, counts
    assert "after promotion: {'2'}" in printed


def _explorer_throttled_part_of_its_traffic(printed: str) -> None:
    found = re.search(r"(\d+) requests: (\d+) answered 200, (\d+) answered 429", printed)
    assert found and int(found.group(2)) > 0 and int(found.group(3)) > 0


def _proxy_keeps_the_database_under_its_limit(printed: str) -> None:
    rows = [line.split() for line in printed.splitlines()[1:] if line.strip()]
    table = {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    assert table[400][1] > 0 and table[400][2] <= 100  # refused without, capped with
    assert all(without >= level for level, (without, _, _) in table.items())


def _variable_holds_ciphertext_not_the_password(printed: str) -> None:
    import base64

    held = printed.split("what the environment variable holds: ")[1].strip()
    assert held.endswith("...") and len(held) > 20
    password = b"correct-horse-battery-staple"
    assert "correct-horse" not in held
    assert not base64.b64encode(password).decode().startswith(held[:20])


READERS: dict[str, dict[str, Callable[[str], None]]] = {
    "10_api_gateway": {
        "canary-demo": _canary_takes_about_its_share,
        "throttle-explorer-run": _explorer_throttled_part_of_its_traffic,
    },
    "11_security_and_networking": {
        "proxy-simulation": _proxy_keeps_the_database_under_its_limit,
        "kms-encrypt": _variable_holds_ciphertext_not_the_password,
    },
}
CLAIMS: dict[str, dict[str, list[str]]] = {
    "10_api_gateway": LESSON_10_CLAIMS,
    "11_security_and_networking": LESSON_11_CLAIMS,
}


def checked_cells(lesson: str) -> set[str]:
    """The ids of the lesson's cells whose output is checked."""
    return set(CLAIMS.get(lesson, {})) | set(READERS.get(lesson, {}))


def printed(outputs: list[Mapping[str, Any]]) -> str:
    """What a cell printed: the text of its stream outputs, in order."""
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")


def check_cell(lesson: str, cell_id: str, outputs: list[Mapping[str, Any]]) -> None:
    """Raise AssertionError, naming the cell and showing its output, if the cell with this id
    did not print what the lesson says it does."""
    text = printed(outputs)
    for claim in CLAIMS.get(lesson, {}).get(cell_id, []):
        assert claim in text, f"{lesson} [{cell_id}] does not print {claim!r}; it printed:\n{text}"
    reader = READERS.get(lesson, {}).get(cell_id)
    if reader is not None:
        try:
            reader(text)
        except (AssertionError, LookupError, ValueError) as wrong:
            raise AssertionError(
                f"{lesson} [{cell_id}]: {reader.__name__.strip('_').replace('_', ' ')} does not"
                f" hold ({wrong!r}); it printed:\n{text}"
            ) from None
