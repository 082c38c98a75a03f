"""Tokens for the JWT authorizer tests.

The Lab's Cognito (moto) signs users in and hands out real ID and access tokens. For claims a
sign-in cannot produce (custom scopes, ``nbf``, a past ``exp``, ``aud`` and ``client_id``
together), :func:`mint` signs claims of the test's choosing with the key moto's user pools
sign with, so the Lab verifies them exactly as it verifies the pool's own tokens.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PASSWORD = "Shop-Pass-1!"


@dataclass
class Pool:
    """A user pool of the Lab's Cognito, its app clients and each client's tokens for ``ana``."""

    id: str
    arn: str
    issuer: str
    clients: dict[str, str] = field(default_factory=dict)  # client name -> client ID
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # client name -> tokens


def user_pool(lab: Any, name: str, clients: tuple[str, ...] = ("web",)) -> Pool:
    """A pool with the user ``ana`` signed in through each app client."""
    idp = lab.service_client("cognito-idp")
    made = idp.create_user_pool(PoolName=name)["UserPool"]
    issuer = f"https://cognito-idp.{lab.region}.amazonaws.com/{made['Id']}"
    pool = Pool(made["Id"], made["Arn"], issuer)
    idp.admin_create_user(UserPoolId=pool.id, Username="ana", TemporaryPassword="Temp-Pass-1!")
    idp.admin_set_user_password(
        UserPoolId=pool.id, Username="ana", Password=PASSWORD, Permanent=True
    )
    for client in clients:
        client_id = idp.create_user_pool_client(
            UserPoolId=pool.id, ClientName=client,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]  # fmt: skip
        pool.clients[client] = client_id
        pool.tokens[client] = idp.initiate_auth(
            ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ana", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]  # fmt: skip
    return pool


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _int(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


@functools.cache
def cognito_key() -> rsa.RSAPrivateKey:
    """The private key moto's user pools sign their tokens with (its JWKS names it "dummy")."""
    from moto.utilities.utils import load_resource

    jwk = load_resource("cognitoidp/resources/jwks-private.json")  # n, e and d only
    n, e, d = _int(jwk["n"]), _int(jwk["e"]), _int(jwk["d"])
    p, q = rsa.rsa_recover_prime_factors(n, e, d)
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, n),
    )  # fmt: skip
    return numbers.private_key()


def mint(
    claims: dict[str, Any],
    *,
    key: rsa.RSAPrivateKey | None = None,
    kid: str = "dummy",
    alg: str = "RS256",
) -> str:
    """A token with these claims, signed (RS256/384/512) by ``key`` (the pools' key by default)."""
    header = _b64(json.dumps({"kid": kid, "alg": alg}).encode())
    body = _b64(json.dumps(claims).encode())
    digest = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}
    signer = key or cognito_key()
    chosen = digest.get(alg, hashes.SHA256)()
    signature = signer.sign(f"{header}.{body}".encode(), padding.PKCS1v15(), chosen)
    return f"{header}.{body}.{_b64(signature)}"


def claims_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def forged(token: str, **changes: Any) -> str:
    """The token with some claims changed and its original signature kept."""
    header, _, signature = token.split(".")
    body = _b64(json.dumps({**claims_of(token), **changes}).encode())
    return f"{header}.{body}.{signature}"


def access_claims(pool: Pool, client: str, now: float, **changes: Any) -> dict[str, Any]:
    """Claims shaped like the pool's access tokens, valid for an hour from the Lab's ``now``."""
    claims = {
        "iss": pool.issuer, "sub": "ana-sub", "client_id": pool.clients[client],
        "token_use": "access", "scope": "aws.cognito.signin.user.admin", "username": "ana",
        "iat": int(now), "exp": int(now) + 3600,
    }  # fmt: skip
    return {**claims, **changes}
