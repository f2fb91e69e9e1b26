#!/usr/bin/env python3
"""An authorization server nobody on this project wrote the logic of: Authlib's RFC 6749 token
endpoint (client authentication, the client credentials grant, RFC 6750 bearer tokens) on
Werkzeug, for tokentop's tests against a server other than its own demo.

    authlib_server.py PORT_FILE [--lifetime SECONDS]

Listens on 127.0.0.1, port 0; writes the port to PORT_FILE once listening; serves until killed.
    POST /token   client_credentials, client_secret_basic or client_secret_post
    GET  /stats   {"token_requests": N}: every request the token endpoint has had
One client: id "independent-client", secret "independent-secret", scopes "read write".
Run by Tests/EndToEndTests/TokenCacheEndToEndTests.swift with the venv .ci/run makes.
"""

import argparse
import json
import os
import secrets
import threading

# Authlib insists on https unless told otherwise; this server listens on loopback only.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

from authlib.oauth2 import AuthorizationServer, OAuth2Request  # noqa: E402
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, grants  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

CLIENT_ID = "independent-client"
CLIENT_SECRET = "independent-secret"
SCOPES = ["read", "write"]


class Client(ClientMixin):
    def get_client_id(self):
        return CLIENT_ID

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        if not scope:
            return " ".join(SCOPES)
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return False

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, CLIENT_SECRET)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return False

    def check_grant_type(self, grant_type):
        return grant_type == "client_credentials"


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class Payload(OAuth2Payload):
    def __init__(self, request):
        self._request = request

    @property
    def data(self):
        return self._request.values

    @property
    def datalist(self):
        return {key: self._request.values.getlist(key) for key in self._request.values}


class WerkzeugRequest(OAuth2Request):
    def __init__(self, request):
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self._request = request
        self.payload = Payload(request)

    @property
    def args(self):
        return self._request.args

    @property
    def form(self):
        return self._request.form


class Server(AuthorizationServer):
    def query_client(self, client_id):
        return Client() if client_id == CLIENT_ID else None

    def save_token(self, token, request):
        pass

    def send_signal(self, name, *args, **kwargs):
        pass

    def create_oauth2_request(self, request):
        return WerkzeugRequest(request)

    def handle_response(self, status, body, headers):
        return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("--lifetime", type=int, default=3600)
    options = parser.parse_args()

    server = Server(scopes_supported=SCOPES)
    server.register_grant(ClientCredentials)
    server.register_token_generator(
        "default",
        BearerTokenGenerator(
            access_token_generator=lambda **_: secrets.token_urlsafe(32), expires_generator=options.lifetime
        ),
    )
    count = {"token_requests": 0}
    lock = threading.Lock()

    @Request.application
    def application(request):
        if request.path == "/token" and request.method == "POST":
            with lock:
                count["token_requests"] += 1
            return server.create_token_response(request)
        if request.path == "/stats" and request.method == "GET":
            with lock:
                return Response(json.dumps(count), content_type="application/json")
        return Response(json.dumps({"error": "not_found"}), status=404, content_type="application/json")

    http = make_server("127.0.0.1", 0, application, threaded=True)
    with open(options.port_file + ".tmp", "w") as file:
        file.write(str(http.server_port))
    os.replace(options.port_file + ".tmp", options.port_file)
    http.serve_forever()


if __name__ == "__main__":
    main()
