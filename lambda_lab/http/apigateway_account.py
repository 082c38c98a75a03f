"""API Gateway's account-level side in a Lab: usage plans and keys, the account throttle, and
the checks REST APIs make against the Lab's other services.

One per Lab (``lab.front_doors().apigateway``). It gives each REST API its
:class:`GatewayServices`:

* ``prepare_target``: a function an integration or authorizer names must exist, and gets
  the resource-based policy statement the console adds (principal
  ``apigateway.amazonaws.com``, source ARN ``arn:aws:execute-api:...:<api id>/*``);
* ``may_invoke``: before each call, the function's (or alias's) resource-based policy must
  allow ``lambda:InvokeFunction`` for API Gateway from that method's ARN; otherwise the
  client gets 500 and the function does not run (targets chosen by stage variable get no
  statement automatically: add one per alias, as on AWS);
* ``caller``: the IAM user who signed a request (SigV4), from the Lab's IAM (moto);
* ``jwks``: a Cognito user pool's public keys, fetched from the Lab's AWS endpoint by the
  pool's issuer URL (HTTP APIs' JWT authorizers use it too);
* ``issuer_exists``: whether such a pool is there, as a REST JWT authorizer's creation asks.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

from lambda_lab.aws.iam_identities import Caller, access_key_of, caller_of
from lambda_lab.aws.iam_policies import evaluate
from lambda_lab.http import cognito_jwt
from lambda_lab.http.common import HttpRequest
from lambda_lab.http.rest_api import GatewayServices
from lambda_lab.http.throttling import (
    ACCOUNT_BURST_LIMIT,
    ACCOUNT_RATE_LIMIT,
    ThrottleSettings,
    TokenBucket,
)
from lambda_lab.http.usage_plans import UsagePlans

PRINCIPAL = "apigateway.amazonaws.com"


class ApiGatewayAccount:
    """The account's API keys, usage plans and throttle; the REST APIs' links to the Lab.

    It takes the Lab's parts it uses: its clock, the function checks and grants of the front
    doors, a function's ARN and resource-based policy, the Lab's IAM and its endpoint's URL.
    """

    def __init__(
        self,
        *,
        now: Callable[[], float],
        account_id: str,
        existing_function: Callable[[str], tuple[str, str | None]],
        grant: Callable[[str, str | None, str, str], None],
        function_arn: Callable[[str], str | None],  # None: no such function
        resource_policy: Callable[[str, str], str | None],  # (function, qualifier) -> JSON
        iam: Callable[[], Any],
        endpoint_url: Callable[[], str],
        cognito: Callable[[], Any] | None = None,
    ) -> None:
        self.now, self.account_id = now, account_id
        self._existing_function, self._grant = existing_function, grant
        self._function_arn, self._resource_policy = function_arn, resource_policy
        self._iam, self._endpoint_url, self._cognito = iam, endpoint_url, cognito
        self.usage_plans = UsagePlans(self.now)
        self.account_bucket = TokenBucket(
            ThrottleSettings(ACCOUNT_RATE_LIMIT, ACCOUNT_BURST_LIMIT), self.now
        )
        self._jwks: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def set_account_throttle(self, rate_limit: float, burst_limit: int) -> None:
        """What a quota change would do: the account's requests a second and burst."""
        self.account_bucket.reconfigure(ThrottleSettings(rate_limit, burst_limit))

    def services(self, api_id: str, region: str, invoke: Callable[..., Any]) -> GatewayServices:
        source_arn = f"arn:aws:execute-api:{region}:{self.account_id}:{api_id}/*"

        def prepare_target(target: str) -> tuple[str, str | None]:
            function, qualifier = self._existing_function(target)
            self._grant(function, qualifier, PRINCIPAL, source_arn)
            return function, qualifier

        return GatewayServices(
            invoke,
            self.now,
            self.usage_plans,
            self.account_bucket,
            prepare_target,
            self.may_invoke,
            self.caller,
            self.jwks,
            self.issuer_exists if self._cognito is not None else None,
        )

    # -- checks against the Lab's other services ---------------------------------------------------
    def may_invoke(self, function: str, qualifier: str | None, method_arn: str) -> bool:
        """Does the function's resource-based policy let API Gateway call it from here?"""
        arn = self._function_arn(function)
        if arn is None:  # no such function: let the invoke answer ResourceNotFound
            return True
        policy = self._resource_policy(function, qualifier or "$LATEST")
        if policy is None:  # no policy at all: nobody else may invoke it
            return False
        context = {"aws:SourceArn": method_arn, "aws:SourceAccount": self.account_id}
        resource = arn + (f":{qualifier}" if qualifier else "")
        decision = evaluate(
            [json.loads(policy)],
            "lambda:InvokeFunction",
            resource,
            principal=PRINCIPAL,
            context=context,
        )
        return decision.allowed

    def caller(self, request: HttpRequest) -> Caller | None:
        authorization = request.header("Authorization")
        if access_key_of(authorization) is None:
            return None  # unsigned: no need to wake the Lab's IAM
        return caller_of(self._iam(), authorization)

    def jwks(self, issuer: str) -> dict[str, Any]:
        """A user pool's JWKS by its issuer URL, fetched once from the Lab's endpoint as API
        Gateway fetches it (AWS caches the keys for a while; the Lab's pools keep theirs)."""
        with self._lock:
            found = self._jwks.get(issuer)
        if found is not None:
            return found
        pool = cognito_jwt.pool_of(issuer)
        if pool is None:
            raise LookupError(f"the Lab cannot reach the issuer {issuer!r}")
        region, pool_id = pool
        request = urllib.request.Request(
            f"{self._endpoint_url()}/{pool_id}/.well-known/jwks.json",
            headers={"Host": f"cognito-idp.{region}.amazonaws.com"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            document = json.loads(reply.read())
        with self._lock:
            self._jwks[issuer] = document
        return dict(document)

    def issuer_exists(self, issuer: str) -> bool:
        """Is there a user pool of the Lab's Cognito behind this issuer URL?"""
        pool = cognito_jwt.pool_of(issuer)
        if pool is None or self._cognito is None:
            return False
        from botocore.exceptions import ClientError

        try:
            self._cognito().describe_user_pool(UserPoolId=pool[1])
        except ClientError:  # ResourceNotFoundException, also for a pool of another Region
            return False
        return True
