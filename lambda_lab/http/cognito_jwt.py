"""Checking a Cognito user pool's JSON Web Tokens, as an API Gateway Cognito authorizer does.

A token is three base64url parts: header (``kid``, ``alg``), claims and an RS256 signature.
It is valid when the signature verifies with the pool's public key (from the pool's JWKS,
``/<pool id>/.well-known/jwks.json``), the issuer is the pool
(``https://cognito-idp.<region>.amazonaws.com/<pool id>``) and it has not expired. An ID
token (``token_use: id``) proves who the user is; an access token (``token_use: access``)
carries OAuth ``scope`` s, which a method with authorization scopes requires.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@dataclass(frozen=True)
class TokenCheck:
    """The verdict on one token: ``claims`` when valid, else ``reason``."""

    claims: dict[str, Any] | None
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.claims is not None


def issuer(pool_arn: str) -> str:
    """``arn:aws:cognito-idp:<region>:<account>:userpool/<pool id>`` -> the pool's issuer URL."""
    parts = pool_arn.split(":")
    if len(parts) != 6 or parts[2] != "cognito-idp" or not parts[5].startswith("userpool/"):
        raise ValueError(
            "a provider ARN looks like arn:aws:cognito-idp:<region>:<account>:userpool/<pool id> "
            f"(got {pool_arn!r})"
        )
    return f"https://cognito-idp.{parts[3]}.amazonaws.com/{parts[5][len('userpool/') :]}"


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims without any check (to read ``iss`` and find the pool), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(_b64(parts[1]))
    except ValueError:
        return None
    return claims if isinstance(claims, dict) else None


def verify(
    token: str,
    jwks: dict[str, Any],
    issuers: Iterable[str],
    now: float,
    scopes: Iterable[str] = (),
) -> TokenCheck:
    """Check signature, issuer, expiry and (when ``scopes`` are given) the access token's
    scopes; never raises for a bad token."""
    parts = token.split(".")
    if len(parts) != 3:
        return TokenCheck(None, "not a JWT (three dot-separated parts expected)")
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except ValueError:
        return TokenCheck(None, "a part is not base64url-encoded JSON")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return TokenCheck(None, "header and claims must be JSON objects")
    if header.get("alg") != "RS256":
        return TokenCheck(None, f"algorithm must be RS256 (got {header.get('alg')!r})")
    key = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if key is None:
        return TokenCheck(None, f"no key {header.get('kid')!r} in the pool's JWKS")
    public = rsa.RSAPublicNumbers(_int(key["e"]), _int(key["n"])).public_key()
    try:
        signed = f"{parts[0]}.{parts[1]}".encode()
        public.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return TokenCheck(None, "the signature does not verify")
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
