#!/usr/bin/env python3
"""Checks a DPoP proof (RFC 9449 §4.2, §4.3) tokentop made, with joserfc, which nobody on this
project wrote.

    check_dpop_proof.py < {"proof": "...", "htm": "POST", "htu": "https://...", "access_token": "...", "nonce": "..."}

`access_token` and `nonce` are optional: when given, `ath` and `nonce` must match them; when
`access_token` is absent the proof must carry no `ath`. Prints "ok: THUMBPRINT" (joserfc's
RFC 7638 thumbprint of the proof's jwk) and exits 0, or "invalid: REASON" on stderr and exits 1.
Run by Tests/OAuthClientTests/DPoPClientTests.swift with the venv .ci/run makes.
"""

import base64
import hashlib
import json
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from joserfc import jws
from joserfc.jwk import JWKRegistry

ALGORITHMS = ["ES256", "PS256", "RS256"]
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


class Invalid(Exception):
    pass


def b64url_json(segment):
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded))


def without_query(url):
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def check(request):
    proof = request["proof"]
    segments = proof.split(".")
    if len(segments) != 3:
        raise Invalid("not a compact JWS")
    header = b64url_json(segments[0])
    if header.get("typ") != "dpop+jwt":
        raise Invalid(f"typ is {header.get('typ')!r}, expected dpop+jwt")
    if header.get("alg") not in ALGORITHMS:
        raise Invalid(f"alg {header.get('alg')!r} is not an asymmetric JWS algorithm")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise Invalid("no jwk header")
    if PRIVATE_MEMBERS & set(jwk):
        raise Invalid("the jwk holds private members")
    key = JWKRegistry.import_key(jwk)
    try:
        registry = jws.JWSRegistry(algorithms=[header["alg"]])
        # joserfc caps headers at 512 bytes against abuse; a proof's jwk of an RSA key is larger.
        registry.max_header_length = 4096
        verified = jws.deserialize_compact(proof, key, registry=registry)
    except Exception as error:  # joserfc raises several kinds
        raise Invalid(f"the signature does not verify with the embedded jwk: {error}")
    claims = json.loads(verified.payload)
    if claims.get("htm") != request["htm"]:
        raise Invalid(f"htm is {claims.get('htm')!r}, expected {request['htm']!r}")
    htu = claims.get("htu")
    if htu != without_query(request["htu"]):
        raise Invalid(f"htu is {htu!r}, expected {without_query(request['htu'])!r} (no query, no fragment)")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or abs(iat - time.time()) > 60:
        raise Invalid(f"iat {iat!r} is not within a minute of now")
    jti = claims.get("jti")
    if not isinstance(jti, str) or len(jti) < 16:
        raise Invalid(f"jti {jti!r} is not a unique identifier")
    token = request.get("access_token")
    if token is None:
        if "ath" in claims:
            raise Invalid("a proof without an access token carries ath")
    else:
        expected = base64.urlsafe_b64encode(hashlib.sha256(token.encode("ascii")).digest()).rstrip(b"=").decode()
        if claims.get("ath") != expected:
            raise Invalid(f"ath is {claims.get('ath')!r}, expected {expected!r}")
    nonce = request.get("nonce")
    if nonce is not None and claims.get("nonce") != nonce:
        raise Invalid(f"nonce is {claims.get('nonce')!r}, expected {nonce!r}")
    return key.thumbprint()


def main():
    try:
        thumbprint = check(json.load(sys.stdin))
    except (Invalid, KeyError, ValueError) as error:
        print(f"invalid: {error}", file=sys.stderr)
        return 1
    print(f"ok: {thumbprint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
