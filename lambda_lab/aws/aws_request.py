"""What an HTTP request to the endpoint asks for: which AWS service and which operation.

The service is the signing name in the SigV4 credential scope (``.../us-east-1/s3/aws4_request``),
as every SDK and the AWS CLI send it. The operation comes from the protocol: the
``X-Amz-Target`` header (JSON protocols: SQS, DynamoDB, Kinesis, EventBridge, Logs), the
``Action`` form field (query protocol: SNS), or the method, path and sub-resource (S3's REST).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_QUERY_SCOPE = re.compile(r"^[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request$")
_LAMBDA_PATH = re.compile(r"^/20\d\d-\d\d-\d\d/")
_TARGET_SERVICES = {
    "AmazonSQS": "sqs",
    "DynamoDBStreams": "dynamodbstreams",
    "DynamoDB": "dynamodb",
    "Kinesis": "kinesis",
    "AWSEvents": "events",
    "Logs": "logs",
}


@dataclass
class AwsRequest:
    method: str
    path: str  # percent-decoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    service: str = ""
    operation: str = ""
    _json: Any = field(default=None, repr=False)

    def json(self) -> dict[str, Any]:
        """The body of a JSON-protocol request."""
        if self._json is None:
            try:
                parsed = json.loads(self.body or b"{}")
            except ValueError:
                parsed = {}
            self._json = parsed if isinstance(parsed, dict) else {}
        return self._json

    def form(self) -> dict[str, str]:
        """The fields of a query-protocol request (form body, or the query string)."""
        fields = {k: v[0] for k, v in self.query.items() if v}
        if self.body and "x-www-form-urlencoded" in self.headers.get("content-type", ""):
            fields.update(
                urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            )
        return fields

    @property
    def bucket_and_key(self) -> tuple[str, str]:
        """S3 path-style addressing: ``/bucket/key/with/slashes``."""
        bucket, _, key = self.path.lstrip("/").partition("/")
        return bucket, key


def parse(
    method: str, raw_path: str, query_string: str, headers: dict[str, str], body: bytes
) -> AwsRequest:
    lowered = {k.lower(): v for k, v in headers.items()}
    query = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    request = AwsRequest(method, urllib.parse.unquote(raw_path), query, lowered, body)
    request.service = _service(request)
    request.operation = _operation(request)
    return request


def _service(request: AwsRequest) -> str:
    return _service_from(request.headers, lambda: request.query, request.path)


def service_of(headers: dict[str, str], raw_path: str, query_string: str) -> str:
    """The service a request is for, from its lower-case headers, its path as sent and its
    query string: what :func:`parse` finds, without parsing what the answer does not need."""
    return _service_from(
        headers,
        lambda: urllib.parse.parse_qs(query_string, keep_blank_values=True),
        urllib.parse.unquote(raw_path) if "%" in raw_path else raw_path,
    )


def _service_from(
    headers: dict[str, str], query: Callable[[], dict[str, list[str]]], path: str
) -> str:
    target = headers.get("x-amz-target", "")
    prefix = target.split(".", 1)[0].split("_", 1)[0]
    if prefix in _TARGET_SERVICES:
        return _TARGET_SERVICES[prefix]
    found = _SCOPE.search(headers.get("authorization", ""))
    if found:
        return found.group(1)
    credential = query().get("X-Amz-Credential", [""])[0]
    found = _QUERY_SCOPE.match(credential)
    if found:
        return found.group(1)
    if _LAMBDA_PATH.match(path):
        return "lambda"
    return ""


def _operation(request: AwsRequest) -> str:
    target = request.headers.get("x-amz-target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    if request.service == "s3":
        return _s3_operation(request)
    if request.service in ("sns", "sqs"):
        return request.form().get("Action", "")
    return ""


def _s3_operation(request: AwsRequest) -> str:
    bucket, key = request.bucket_and_key
    query, method = request.query, request.method
    if not bucket:
        return "ListBuckets"
    if not key:
        if method == "PUT":
            if "notification" in query:
                return "PutBucketNotificationConfiguration"
            if "versioning" in query:
                return "PutBucketVersioning"
            return "CreateBucket" if not query else "PutBucketSubresource"
        if method == "POST":
            return "DeleteObjects" if "delete" in query else "PostObject"
        if method == "DELETE":
            return "DeleteBucket" if not query else "DeleteBucketSubresource"
        return "ReadBucket"
    if method == "PUT":
        if "partNumber" in query:
            return "UploadPart"
        if "tagging" in query or "acl" in query or "retention" in query or "legal-hold" in query:
            return "PutObjectSubresource"
        return "CopyObject" if "x-amz-copy-source" in request.headers else "PutObject"
    if method == "POST":
        if "uploadId" in query:
            return "CompleteMultipartUpload"
        return "CreateMultipartUpload" if "uploads" in query else "PostObjectSubresource"
    if method == "DELETE":
        if "uploadId" in query:
            return "AbortMultipartUpload"
        return "DeleteObject" if not query or "versionId" in query else "DeleteObjectSubresource"
    return "ReadObject"
