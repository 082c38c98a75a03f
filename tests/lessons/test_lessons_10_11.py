"""Lessons 10 and 11 keep the lesson template, and every hands-on claim they make is what
the Lab printed.

nbval runs the notebooks as a learner does (``pytest --nbval-lax lessons/10_api_gateway.ipynb``).
Here each notebook runs once more through nbclient (without its last cell, the quiz, which
needs the question banks), and the outputs of the cells that demonstrate something are
checked: a 429 after the burst, a cached answer, an authorizer's deny, a 400 from
validation, a decrypted variable, a connection count... A lesson whose text promises what
the Lab no longer does fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lesson_links import anchors_in, quiz_links_missing

ROOT = Path(__file__).resolve().parents[2]
LESSONS = {"10_api_gateway": "api_gateway", "11_security_and_networking": "security_networking"}
# The section anchors the team brief fixes, so that question banks can link to them.
ANCHORS = {
    "10_api_gateway": [
        "integrations", "stages", "throttling", "caching", "validation", "authorizers", "cors",
        "limits", "custom-domains",
    ],
    "11_security_and_networking": [
        "roles-and-policies", "kms-env-vars", "secrets", "vpc", "rds-proxy", "function-url-auth",
    ],
}  # fmt: skip
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
SECTION = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def _notebook(lesson: str) -> dict:
    return json.loads((ROOT / "lessons" / f"{lesson}.ipynb").read_text(encoding="utf-8"))


def _texts(lesson: str, kind: str) -> list[str]:
    return ["".join(c["source"]) for c in _notebook(lesson)["cells"] if c["cell_type"] == kind]


@pytest.mark.parametrize("lesson", LESSONS)
def test_stored_without_outputs(lesson):
    dirty = [
        c["id"]
        for c in _notebook(lesson)["cells"]
        if c["cell_type"] == "code" and (c["outputs"] or c["execution_count"])
    ]
    assert not dirty, f"{lesson}: cells {dirty} keep outputs"


@pytest.mark.parametrize("lesson", LESSONS)
def test_template(lesson):
    markdown, code = _texts(lesson, "markdown"), _texts(lesson, "code")
    assert markdown[0].startswith(f"# {lesson[:2]} · ")
    top = "\n".join(markdown[:3])
    for needed in ("**Time:**", "**Prerequisites:**", "**Exam domains:**", "> **In the Lab**"):
        assert needed in top, f"{lesson}: no {needed} at the top"
    objectives = next(m for m in markdown if m.startswith("## What you will learn"))
    assert 3 <= sum(line.startswith("- ") for line in objectives.splitlines()) <= 6
    joined = "\n".join(markdown)
    assert "> **Exam tip**" in joined and "> **Outdated in older notes**" in joined
    assert any("Explorer(" in cell for cell in code), "no widget"
    assert any("plt.show()" in cell for cell in code), "no picture"
    assert sum("Prediction(" in cell for cell in code) >= 2, (
        "fewer than two predict-then-run questions"
    )
    shown = [re.search(r'exercises\.show\("([^"]+)"\)', cell) for cell in code]
    assert len([s for s in shown if s]) >= 3, "fewer than three exercises"
    assert "\nCleanUp(lab" in code[-2]  # the clean-up step the learner takes, before the quiz
    assert code[-1].strip() == f'from lambda_lab import quiz; quiz.for_lesson("{lesson}")'
    assert markdown[-1].startswith('<a id="next"></a>') and ".ipynb)" in markdown[-1]


@pytest.mark.parametrize("lesson", LESSONS)
def test_sections_are_numbered_anchored_and_have_the_fixed_anchors(lesson):
    numbers, anchors = [], set()
    for text in _texts(lesson, "markdown"):
        anchors |= set(ANCHOR.findall(text))
        for heading in SECTION.finditer(text):
            numbers.append(int(heading.group(1)))
            assert ANCHOR.search(text[: heading.start()]), f"{heading.group(0)!r} has no anchor"
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(ANCHORS[lesson]) <= anchors, f"missing anchors: {set(ANCHORS[lesson]) - anchors}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_exercises_of_the_lesson_exist_and_sit_in_its_sections(lesson):
    from lambda_lab.exercises.catalog import exercises

    mine = [e for e in exercises() if e.lesson == lesson]
    anchors = {a for text in _texts(lesson, "markdown") for a in ANCHOR.findall(text)}
    assert len(mine) >= 3
    assert all(e.section in anchors for e in mine), [e.section for e in mine]
    code = "\n".join(_texts(lesson, "code"))
    assert all(f'exercises.show("{e.id}")' in code for e in mine)


@pytest.mark.parametrize("lesson", LESSONS)
def test_quiz_links_land_on_an_anchor(lesson):
    assert not quiz_links_missing(lesson, anchors_in(_texts(lesson, "markdown")))


# -- what the lessons print is what the Lab did ----------------------------------------------------


def _run(lesson: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.reads(json.dumps(_notebook(lesson)), as_version=4)
    notebook.cells = [c for c in notebook.cells if c.id != "quiz-code"]  # it needs the banks
    folder = tmp_path_factory.mktemp(lesson)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    ).execute()
    printed = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            printed[cell.id] = "".join(
                o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"
            )
    return printed


@pytest.fixture(scope="module")
def lesson_10(tmp_path_factory):
    return _run("10_api_gateway", tmp_path_factory)


@pytest.fixture(scope="module")
def lesson_11(tmp_path_factory):
    return _run("11_security_and_networking", tmp_path_factory)


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


@pytest.mark.slow
@pytest.mark.parametrize("cell", LESSON_10_CLAIMS)
def test_lesson_10_claims_are_what_the_lab_printed(lesson_10, cell):
    for claim in LESSON_10_CLAIMS[cell]:
        assert claim in lesson_10[cell], f"[{cell}] printed:\n{lesson_10[cell]}"


@pytest.mark.slow
def test_lesson_10_canary_takes_about_its_share(lesson_10):
    counts = json.loads(lesson_10["canary-demo"].split(" of 200")[0].replace("'", '"'))
    assert 5 <= counts.get("2", 0) <= 45 and sum(counts.values()) == 200
    assert "after promotion: {'2'}" in lesson_10["canary-demo"]


@pytest.mark.slow
def test_lesson_10_explorer_throttled_part_of_its_traffic(lesson_10):
    found = re.search(
        r"(\d+) requests: (\d+) answered 200, (\d+) answered 429",
        lesson_10["throttle-explorer-run"],
    )
    assert found and int(found.group(2)) > 0 and int(found.group(3)) > 0


@pytest.mark.slow
@pytest.mark.parametrize("cell", LESSON_11_CLAIMS)
def test_lesson_11_claims_are_what_the_lab_printed(lesson_11, cell):
    for claim in LESSON_11_CLAIMS[cell]:
        assert claim in lesson_11[cell], f"[{cell}] printed:\n{lesson_11[cell]}"


@pytest.mark.slow
def test_lesson_11_proxy_table_keeps_the_proxy_under_the_limit(lesson_11):
    rows = [line.split() for line in lesson_11["proxy-simulation"].splitlines()[1:] if line.strip()]
    table = {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in rows}
    assert table[400][1] > 0 and table[400][2] <= 100  # refused without, capped with
    assert all(without >= level for level, (without, _, _) in table.items())


@pytest.mark.slow
def test_lesson_11_environment_variable_holds_ciphertext_not_the_password(lesson_11):
    import base64

    held = lesson_11["kms-encrypt"].split("what the environment variable holds: ")[1].strip()
    assert held.endswith("...") and len(held) > 20
    password = b"correct-horse-battery-staple"
    assert "correct-horse" not in held
    assert not base64.b64encode(password).decode().startswith(held[:20])
