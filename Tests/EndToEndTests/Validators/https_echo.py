#!/usr/bin/env python3
"""A stand-in Kubernetes API server for kubectl: answers every GET over HTTPS with the
Authorization header it was sent, as JSON. kubectl runs a kubeconfig exec: plugin only for an
https server, so tokentop's ExecCredential is tested through this.

    https_echo.py PORT_FILE CERT KEY

Listens on 127.0.0.1, port 0; writes the port to PORT_FILE once listening; serves until killed.
Python's standard library only. Run by Tests/EndToEndTests/ToolFormatsEndToEndTests.swift.
"""

import http.server
import json
import os
import ssl
import sys


class Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"authorization": self.headers.get("Authorization", "")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


def main():
    port_file, certificate, key = sys.argv[1:4]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file + ".tmp", "w") as file:
        file.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
