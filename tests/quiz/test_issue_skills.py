"""Issues 19 and 20 list, under "Why", the exam skills the course did not teach. Each one must
now be taught in a lesson section (the section names its key terms) and be tested by at least
three questions of the banks.

Which questions test which skill is a judgement made by reading them; this file records it,
so that a removed question, a renamed anchor or a section that no longer mentions its subject
fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lambda_lab.quiz.bank import load_bank

LESSONS = Path(__file__).resolve().parents[2] / "lessons"
ANCHOR = re.compile(r'<a id="([a-z0-9-]+)"></a>')
MIN_QUESTIONS = 3

# skill -> (lesson#section, terms the section's text must use, questions that test the skill)
ISSUE_19 = {
    "integration types: proxy vs non-proxy, mapping templates": (
        "10_api_gateway#integrations", ["proxy", "mapping template"],
        ["apigw-mapping-template", "apigw-status-override", "apigw-malformed-proxy-response",
         "apigw-mock-integration", "apigw-proxy-event"]),
    "request validation": (
        "10_api_gateway#validation", ["request validator", "model", "400"],
        ["apigw-request-validation", "apigw-validator-not-set", "apigw-throttle-order"]),
    "status-code overrides": (
        "10_api_gateway#integrations", ["selection pattern", "responseOverride", "502"],
        ["apigw-status-override", "apigw-status-body-override", "apigw-malformed-proxy-response"]),
    "stages and stage variables pointing at Lambda aliases": (
        "10_api_gateway#stages", ["stage variable", "alias"],
        ["apigw-stage-variables", "apigw-stage-variable-permission", "apigw-missing-auth-token",
         "apigw-canary-release"]),
    "custom domains": (
        "10_api_gateway#custom-domains", ["custom domain", "base path"],
        ["apigw-edge-certificate", "apigw-base-path-mappings", "apigw-endpoint-types"]),
    "throttling: rate and burst, usage plans, API keys": (
        "10_api_gateway#throttling", ["burst", "usage plan", "API key", "429"],
        ["apigw-usage-plans", "apigw-api-keys-not-auth", "apigw-partner-flood",
         "apigw-account-throttle", "apigw-method-throttle"]),
    "caching": (
        "10_api_gateway#caching", ["cache", "TTL", "cache key"],
        ["apigw-stage-cache", "apigw-cache-key", "apigw-cache-invalidate", "apigw-cache-ttl-max",
         "apigw-cache-by-header"]),
    "Lambda authorizers (TOKEN and REQUEST)": (
        "10_api_gateway#authorizers", ["TOKEN", "REQUEST", "policy"],
        ["apigw-token-authorizer", "apigw-request-authorizer", "apigw-authorizer-cache"]),
    "Cognito user-pool authorizers and JWTs": (
        "10_api_gateway#authorizers", ["Cognito", "JWT"],
        ["apigw-cognito-authorizer", "apigw-http-api-choice", "apigw-token-authorizer"]),
    "environment variables encrypted with KMS": (
        "11_security_and_networking#kms-env-vars", ["KMS", "decrypt", "init"],
        ["sec-cmk-for-env", "sec-encryption-helpers", "sec-decrypt-once", "sec-plaintext-config"]),
    "Secrets Manager and Parameter Store: caching in init, the extension": (
        "11_security_and_networking#secrets", ["Secrets Manager", "Parameter Store", "extension"],
        ["sec-secret-rotation", "sec-secrets-extension", "sec-parameter-store-cost",
         "sec-stale-cached-secret", "sec-secrets-manager-benefits"]),
    "functions in a VPC: ENIs, no internet without NAT, VPC endpoints": (
        "11_security_and_networking#vpc", ["ENI", "NAT", "endpoint"],
        ["sec-hyperplane-enis", "sec-vpc-endpoint-secrets", "sec-gateway-endpoint-cost",
         "sec-vpc-facts", "sec-no-vpc-needed"]),
    "RDS Proxy, and concurrency exhausting database connections": (
        "11_security_and_networking#rds-proxy", ["RDS Proxy", "connections", "concurrency"],
        ["sec-rds-proxy-failover", "sec-rds-proxy-facts", "sec-connections-per-environment"]),
    "function URL auth types and the October 2025 permission change": (
        "11_security_and_networking#function-url-auth",
        ["AWS_IAM", "NONE", "lambda:InvokeFunctionUrl", "lambda:InvokeFunction", "2025"],
        ["sec-url-none-forbidden", "sec-url-iam-unsigned", "cfg-function-url-auth"]),
    "SNS subscription filter policies": (
        "14_orchestration#fan-out", ["filter policy", "FilterPolicyScope"],
        ["orc-filter-policy", "orc-filter-body", "orc-filter-policy-facts"]),
}  # fmt: skip

ISSUE_20 = {
    "deployment packaging and options": (
        "12_packaging_and_layers#packaging", ["ZIP", "S3", "250 MB"],
        ["pkg-zip-root", "pkg-upload-through-s3", "pkg-zip-or-image", "pkg-sam-use-container"]),
    "layers": (
        "12_packaging_and_layers#layers", ["layer", "/opt"],
        ["pkg-shared-library-layer", "pkg-layer-folder", "pkg-layer-new-version",
         "pkg-layer-facts", "pkg-layer-other-account"]),
    "container images": (
        "12_packaging_and_layers#container-images", ["image", "ECR", "10 GB"],
        ["pkg-image-tag-moves", "pkg-image-registry", "pkg-image-local-test",
         "pkg-image-architecture", "pkg-image-no-layers"]),
    "versions and aliases with weighted traffic shifting": (
        "13_deploying#weighted-aliases", ["weight", "alias", "version"],
        ["dep-manual-weights", "dep-weighted-alias-rules", "dep-blue-green-choice",
         "dep-fast-rollback", "dep-callers-use-alias"]),
    "CodeDeploy canary, linear and all-at-once deployments with alarms and hooks": (
        "13_deploying#codedeploy", ["Canary", "Linear", "AllAtOnce", "alarm", "PreTraffic"],
        ["dep-linear-shift", "dep-all-at-once-dev", "dep-pretraffic-hook", "dep-alarm-rollback",
         "dep-canary-order", "dep-hook-never-reports"]),
    "SAM templates and sam-style workflows": (
        "13_deploying#sam", ["AWS::Serverless::Function", "AutoPublishAlias", "lambda-lab deploy"],
        ["dep-auto-publish-alias", "dep-sam-transform", "dep-sam-local-api", "dep-sam-sync",
         "dep-sam-sqs-event"]),
    "test events for Lambda, API Gateway and SAM resources": (
        "13_deploying#test-events", ["test event", "generate-event"],
        ["dep-generate-event", "dep-shareable-test-events", "dep-test-events-payloads"]),
    "Step Functions: Standard vs Express": (
        "14_orchestration#standard-vs-express", ["Standard", "Express"],
        ["orc-express-volume", "orc-standard-express-facts", "orc-express-sync"]),
    "Step Functions: Retry and Catch": (
        "14_orchestration#retry-catch", ["Retry", "Catch", "BackoffRate"],
        ["orc-retry-backoff", "orc-catch-compensate", "orc-lost-input", "orc-saga",
         "orc-lambda-task-errors"]),
    "Step Functions: wait for a callback": (
        "14_orchestration#callbacks", [".waitForTaskToken", "SendTaskSuccess"],
        ["orc-human-approval", "orc-callback-timeout", "orc-callback-warehouse"]),
    "Step Functions: Parallel and Map states": (
        "14_orchestration#parallel-map", ["Parallel", "Map"],
        ["orc-parallel", "orc-map-concurrency", "orc-distributed-map"]),
    "EventBridge Pipes": (
        "14_orchestration#pipes", ["EventBridge Pipes", "enrichment", "filter"],
        ["orc-pipes-enrich", "orc-pipes-stream", "orc-pipes-facts"]),
    "idempotency": (
        "14_orchestration#idempotency", ["idempoten", "DynamoDB"],
        ["orc-idempotent-consumer", "orc-idempotency-ttl", "orc-exactly-once-myth",
         "apigw-idempotent-retries"]),
    "SnapStart for Python 3.12+": (
        "14_orchestration#snapstart", ["SnapStart", "Python"],
        ["orc-snapstart-python", "orc-snapstart-uniqueness", "orc-snapstart-facts",
         "orc-snapstart-cost"]),
    "extensions": (
        "14_orchestration#extensions", ["extension", "INIT"],
        ["orc-extension-telemetry", "orc-extension-post-runtime", "orc-extension-facts",
         "sec-secrets-extension"]),
    "X-Ray annotations and service maps": (
        "08_monitoring#annotations-service-map", ["annotation", "service map"],
        ["mon-xray-annotation-filter", "mon-annotation-vs-metadata", "mon-service-map"]),
    "CloudWatch Logs Insights": (
        "08_monitoring#logs-insights", ["Logs Insights", "stats", "filter"],
        ["mon-insights-error-rate", "mon-insights-memory", "mon-find-slowest"]),
    "custom metrics with the Embedded Metric Format": (
        "08_monitoring#emf", ["Embedded Metric Format", "_aws"],
        ["mon-emf-business-metric", "mon-emf-shape", "mon-emf-cardinality"]),
}  # fmt: skip

SKILLS = {
    **{f"19: {k}": v for k, v in ISSUE_19.items()},
    **{f"20: {k}": v for k, v in ISSUE_20.items()},
}


def section_text(lesson: str, anchor: str) -> str:
    """The text of a lesson's section: every cell from its anchor to the next anchor."""
    cells = json.loads((LESSONS / f"{lesson}.ipynb").read_text(encoding="utf-8"))["cells"]
    inside, parts = False, []
    for cell in cells:
        source = "".join(cell["source"])
        found = ANCHOR.search(source) if cell["cell_type"] == "markdown" else None
        if found:
            inside = found.group(1) == anchor
        if inside:
            parts.append(source)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def questions():
    return load_bank().by_id()


@pytest.mark.parametrize("skill", SKILLS)
def test_the_skill_is_taught_in_its_section(skill: str) -> None:
    where, terms, _ = SKILLS[skill]
    lesson, anchor = where.split("#")
    text = section_text(lesson, anchor)
    assert text, f"{skill}: no section #{anchor} in {lesson}"
    missing = [term for term in terms if term.lower() not in text.lower()]
    assert not missing, f"{skill}: section {where} never mentions {missing}"


@pytest.mark.parametrize("skill", SKILLS)
def test_the_skill_is_tested_by_three_questions(skill: str, questions) -> None:
    _, _, ids = SKILLS[skill]
    unknown = [qid for qid in ids if qid not in questions]
    assert not unknown, f"{skill}: no such questions {unknown}"
    assert len(set(ids)) >= MIN_QUESTIONS, f"{skill}: only {len(set(ids))} questions"
    for qid in ids:
        assert questions[qid].references, f"{qid} has no reference to AWS documentation"
