"""Mints a federated client assertion with joserfc (an independent JOSE library from PyPI) and
writes it atomically to a file, as the kubelet writes a projected service-account token.

    mint_assertion.py KEY_PEM OUT_FILE ISSUER SUBJECT AUDIENCE IAT EXP
"""
import os
import sys

from joserfc import jwt
from joserfc.jwk import ECKey


def main() -> int:
    key_file, out_file, issuer, subject, audience, iat, exp = sys.argv[1:8]
    with open(key_file, "rb") as handle:
        key = ECKey.import_key(handle.read())
    claims = {"iss": issuer, "sub": subject, "aud": audience, "iat": int(iat), "nbf": int(iat), "exp": int(exp)}
    token = jwt.encode({"alg": "ES256", "typ": "JWT"}, claims, key)
    temporary = out_file + ".tmp"
    with open(temporary, "w") as handle:
        handle.write(token + "\n")
    os.replace(temporary, out_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
