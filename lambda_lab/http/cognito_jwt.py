"""JSON Web Tokens as API Gateway reads them: decoding, RSA signatures, and Cognito's rules.

A token is three base64url parts: header (``kid``, ``alg``), claims and a signature. The
signature verifies with the key of the issuer's JWKS whose ``kid`` the header names. A
Cognito user pool publishes its JWKS at ``/<pool id>/.well-known/jwks.json`` and signs as
``https://cognito-idp.<region>.amazonaws.com/<pool id>``: the only issuers the Lab can reach.

:func:`verify` adds what a COGNITO_USER_POOLS authorizer requires: the pool as issuer, not
expired, an ID token (``token_use: id``) for a method without scopes and an access token
carrying one of them for a method with scopes. The JWT authorizer's rules, shared by HTTP and
REST APIs, are in :mod:`lambda_lab.http.jwt_authorizers`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

RSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
# A pool ID starts with its Region: us-east-1_AbC123xyz.
_POOL_ISSUER = re.compile(r"https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/(\1_[A-Za-z0-9]+)\Z")


class BadToken(ValueError):
    """The text is not a JWT (its message says why)."""


@dataclass(frozen=True)
class Token:
    """A decoded, not yet trusted, JWT."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signed: bytes  # what the signature covers: "<header>.<claims>" as sent
    signature: bytes


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on one token: ``claims`` when valid, else ``reason``."""

    claims: dict[str, Any] | None
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.claims is not None


def decode(token: str) -> Token:
    """The token's parts, or :class:`BadToken`. Nothing is checked yet."""
    parts = token.split(".")
    if len(parts) != 3:
        raise BadToken("not a JWT (three dot-separated parts expected)")
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python goes
        raise BadToken("a part is not base64url-encoded JSON") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise BadToken("header and claims must be JSON objects")
    return Token(header, claims, f"{parts[0]}.{parts[1]}".encode(), signature)


def signature_problem(token: Token, jwks: dict[str, Any], algorithms: Iterable[str]) -> str | None:
    """Why the signature cannot be trusted (algorithm, key or signature), or None."""
    algorithm = token.header.get("alg")
    if not isinstance(algorithm, str) or algorithm not in set(algorithms):  # a list: unhashable
        return f"signing method {algorithm} is not accepted"
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == token.header.get("kid")), None)
    if key is None:
        return f"no key {token.header.get('kid')!r} in the issuer's JWKS"
    if key.get("kty") != "RSA" or algorithm not in RSA_HASHES:
        return f"signing method {algorithm} does not fit the issuer's {key.get('kty')} key"
    try:
        public = rsa.RSAPublicNumbers(_int(key["e"]), _int(key["n"])).public_key()
        public.verify(token.signature, token.signed, padding.PKCS1v15(), RSA_HASHES[algorithm]())
    except (InvalidSignature, KeyError, ValueError):
        return "the signature does not verify"
    return None


def issuer(pool_arn: str) -> str:
    """``arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>`` -> the pool's issuer URL."""
    parts = pool_arn.split(":")
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise ValueError(
            "a provider ARN looks like arn:aws:cognito-idp:<region>:<account>:userpool/<pool id> "
            f"(got {pool_arn!r})"
        )
    return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5][len('userpool/') :]}"


def pool_of(issuer_url: str) -> tuple[str, str] | None:
    """(Region, pool ID) of a user pool's issuer URL; None for any other issuer."""
    found = _POOL_ISSUER.match(issuer_url)
    return (found.group(1), found.group(2)) if found else None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims without any check (to read ``iss`` and find the pool), or None."""
    try:
        return decode(token).claims
    except BadToken:
        return None


def verify(
    token: str,
    jwks: dict[str, Any],
    issuers: Iterable[str],
    now: float,
    scopes: Iterable[str] = (),
) -> TokenCheck:
    """A Cognito authorizer's checks: signature, issuer, expiry and (when ``scopes`` are
    given) the access token's scopes; never raises for a bad token."""
    try:
        decoded = decode(token)
    except BadToken as bad:
        return TokenCheck(None, str(bad))
    problem = signature_problem(decoded, jwks, ("RS256",))
    if problem:
        return TokenCheck(None, problem)
    claims = decoded.claims
    if claims.get("iss") not in set(issuers):
        return TokenCheck(
            None, f"issuer {claims.get('iss')!r} is not one of the authorizer's pools"
        )
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or expires <= now:
        return TokenCheck(None, "the token has expired")
    wanted = list(scopes)
    if wanted:
        if claims.get("token_use") != "access":
            return TokenCheck(None, "a method with authorization scopes needs an access token")
        granted = str(claims.get("scope", "")).split()
        if not any(scope in granted for scope in wanted):
            return TokenCheck(None, f"the token has none of the scopes {wanted}")
    elif claims.get("token_use") != "id":
        return TokenCheck(None, "a method without authorization scopes takes an ID token")
    return TokenCheck(claims)


def _b64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def _int(text: str) -> int:
    return int.from_bytes(_b64(text), "big")
