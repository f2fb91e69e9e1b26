#!/usr/bin/env python3
"""Checks the demo servers' answers with implementations nobody on this project wrote.

    validate.py metadata URL|- [--issuer ISSUER]      RFC 8414 metadata (Authlib)
    validate.py access-token --jwks URL --issuer ISSUER --audience AUD   RFC 9068 token on stdin (joserfc)
    validate.py introspection                          RFC 7662 answer (JSON) on stdin
    validate.py challenge HEADER                       RFC 6750 / RFC 9449 WWW-Authenticate value (Werkzeug + the RFCs' grammar)
    validate.py thumbprint                             prints joserfc's RFC 7638 thumbprint of the JWK on stdin

Prints "ok: ..." and exits 0, or prints "invalid: REASON" on stderr and exits 1.
Run by Tests/DemoServerTests/IndependentValidatorTests.swift with the venv .ci/run makes.
"""

import argparse
import json
import os
import re
import sys
import time
import urllib.request

# The demo listens on loopback over plain HTTP; Authlib insists on https unless told otherwise.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from authlib.oauth2.rfc8414 import AuthorizationServerMetadata  # noqa: E402
from joserfc import jwt  # noqa: E402
from joserfc.jwk import JWKRegistry, KeySet  # noqa: E402
from werkzeug.datastructures import WWWAuthenticate  # noqa: E402


class Invalid(Exception):
    pass


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def check_metadata(source, issuer):
    document = json.load(sys.stdin) if source == "-" else fetch_json(source)
    metadata = AuthorizationServerMetadata(document)
    try:
        metadata.validate()
    except ValueError as error:
        raise Invalid(f"RFC 8414: {error}")
    if issuer is not None and document.get("issuer") != issuer:
        raise Invalid(f"issuer is {document.get('issuer')!r}, expected {issuer!r}")
    return f"metadata of {document['issuer']}"


# RFC 9068 §2.2: claims every JWT access token carries.
REQUIRED_ACCESS_TOKEN_CLAIMS = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"]


def check_access_token(token, jwks_url, issuer, audience):
    keys = KeySet.import_key_set(fetch_json(jwks_url))
    try:
        decoded = jwt.decode(token, keys, algorithms=["RS256", "ES256", "PS256"])
    except Exception as error:  # joserfc raises several types; any of them means refused
        raise Invalid(f"signature: {type(error).__name__}: {error}")
    header = decoded.header
    # RFC 9068 §2.1 and §4: typ must be at+jwt (application/at+jwt accepted), alg never none.
    if header.get("typ", "").lower() not in ("at+jwt", "application/at+jwt"):
        raise Invalid(f"typ is {header.get('typ')!r}, RFC 9068 §2.1 requires at+jwt")
    if header.get("alg") == "none":
        raise Invalid("alg none")
    claims_options = {name: {"essential": True} for name in REQUIRED_ACCESS_TOKEN_CLAIMS}
    claims_options["iss"] = {"essential": True, "value": issuer}
    claims_options["aud"] = {"essential": True, "value": audience}
    registry = jwt.JWTClaimsRegistry(leeway=5, **claims_options)
    try:
        registry.validate(decoded.claims)
    except Exception as error:
        raise Invalid(f"claims: {type(error).__name__}: {error}")
    claims = decoded.claims
    for name in ("exp", "iat"):
        if not isinstance(claims[name], int):
            raise Invalid(f"{name} is not a NumericDate")
    if "scope" in claims and not isinstance(claims["scope"], str):
        raise Invalid("scope must be a space-separated string (RFC 9068 §2.2.3)")
    if "cnf" in claims and not isinstance(claims["cnf"], dict):
        raise Invalid("cnf must be an object (RFC 7800)")
    return f"access token {claims['jti']} for {claims['client_id']}"


def check_introspection(answer):
    # RFC 7662 §2.2.
    if not isinstance(answer, dict):
        raise Invalid("the answer is not a JSON object")
    if not isinstance(answer.get("active"), bool):
        raise Invalid("active is REQUIRED and must be a boolean")
    strings = ["scope", "client_id", "username", "token_type", "sub", "iss", "jti"]
    integers = ["exp", "iat", "nbf"]
    for name in strings:
        if name in answer and not isinstance(answer[name], str):
            raise Invalid(f"{name} must be a string")
    for name in integers:
        if name in answer and (not isinstance(answer[name], int) or isinstance(answer[name], bool)):
            raise Invalid(f"{name} must be an integer timestamp")
    if "aud" in answer and not (
        isinstance(answer["aud"], str)
        or (isinstance(answer["aud"], list) and all(isinstance(value, str) for value in answer["aud"]))
    ):
        raise Invalid("aud must be a string or an array of strings")
    if not answer["active"] and len(answer) > 1:
        raise Invalid("an inactive token's answer should say nothing more (RFC 7662 §2.2)")
    if answer["active"] and "exp" in answer and answer["exp"] < time.time() - 5:
        raise Invalid("active, yet exp has passed")
    return "introspection answer, active" if answer["active"] else "introspection answer, inactive"


# RFC 9110 §5.6.2 and §11.2, RFC 6750 §3.
TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
QUOTED = r'"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"'
PARAMETER = rf"({TOKEN})[ \t]*=[ \t]*({TOKEN}|{QUOTED})"
CHALLENGE = re.compile(rf"^({TOKEN})(?: +({PARAMETER}(?:[ \t]*,[ \t]*{PARAMETER})*))?$")
RFC6750_ERRORS = {"invalid_request", "invalid_token", "insufficient_scope"}
# RFC 9449 §7.1 and §9 add two error codes for the DPoP scheme, and its algs parameter.
RFC9449_ERRORS = RFC6750_ERRORS | {"invalid_dpop_proof", "use_dpop_nonce"}
JWS_ALGORITHMS = {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"}
NQSCHAR = re.compile(r"^[\x20-\x21\x23-\x5b\x5d-\x7e]*$")
SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$")


def check_challenge(header):
    if not CHALLENGE.match(header):
        raise Invalid(f"not one RFC 9110 challenge: {header!r}")
    parsed = WWWAuthenticate.from_header(header)
    if parsed is None or parsed.type not in ("bearer", "dpop"):
        raise Invalid(f"not a Bearer or DPoP challenge: {header!r}")
    parameters = dict(parsed.parameters)
    names = [match.group(1).lower() for match in re.finditer(PARAMETER, header)]
    if len(names) != len(set(names)):
        raise Invalid("a parameter appears twice (RFC 6750 §3)")
    allowed = RFC6750_ERRORS if parsed.type == "bearer" else RFC9449_ERRORS
    if "error" in parameters and parameters["error"] not in allowed:
        raise Invalid(f"error {parameters['error']!r} is not one the {parsed.type} scheme defines")
    if parsed.type == "dpop":
        algorithms = parameters.get("algs", "").split(" ")
        if not parameters.get("algs") or not set(algorithms) <= JWS_ALGORITHMS:
            raise Invalid("a DPoP challenge names the JWS algorithms it accepts in algs (RFC 9449 §7.1)")
    for name in ("realm", "error", "error_description"):
        if name in parameters and not NQSCHAR.match(parameters[name]):
            raise Invalid(f"{name} holds characters RFC 6750 §3 does not allow")
    if "scope" in parameters and not SCOPE.match(parameters["scope"]):
        raise Invalid("scope is not a space-separated list of scope tokens")
    return f"{parsed.type} challenge {sorted(parameters)}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    metadata = commands.add_parser("metadata")
    metadata.add_argument("source")
    metadata.add_argument("--issuer")
    token = commands.add_parser("access-token")
    token.add_argument("--jwks", required=True)
    token.add_argument("--issuer", required=True)
    token.add_argument("--audience", required=True)
    commands.add_parser("introspection")
    challenge = commands.add_parser("challenge")
    challenge.add_argument("header")
    commands.add_parser("thumbprint")
    arguments = parser.parse_args()
    try:
        if arguments.command == "metadata":
            message = check_metadata(arguments.source, arguments.issuer)
        elif arguments.command == "access-token":
            message = check_access_token(sys.stdin.read().strip(), arguments.jwks, arguments.issuer, arguments.audience)
        elif arguments.command == "thumbprint":
            print(JWKRegistry.import_key(json.load(sys.stdin)).thumbprint())
            return 0
        elif arguments.command == "introspection":
            message = check_introspection(json.load(sys.stdin))
        else:
            message = check_challenge(arguments.header)
    except Invalid as error:
        print(f"invalid: {error}", file=sys.stderr)
        return 1
    print(f"ok: {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
