#!/usr/bin/env python3
"""A tokentop configuration for a fleet of the demo server's clients, under the 1 MiB cap that
a configuration file has: the clients share their endpoints through a YAML merge key, one line
each. Used by measure-serve.sh and measure-terminal.sh.

    fleet-config.py DEMO_YAML RESOURCE [POLL_INTERVAL] > fleet.yaml

DEMO_YAML is what `tokentop demo-server --write-config` wrote; RESOURCE 1 keeps each client's
resource-uri (the /mod polling), 0 leaves it out (the token lifecycle alone); POLL_INTERVAL, when
given, is every client's poll-interval.
"""
import json
import sys


def scalar(text):
    # The demo writes plain "key: value" lines, quoted only where YAML needs it.
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].replace("''", "'") if text[0] == "'" else json.loads(text)
    return text


def main():
    demo, resource = sys.argv[1], sys.argv[2]
    poll_interval = sys.argv[3] if len(sys.argv) > 3 else None
    # Lists, such as scope, are left out: every client here has the scope custom_mod.
    clients, current = {}, None
    for line in open(demo):
        if line.startswith("  ") and not line.startswith("    ") and line.rstrip().endswith(":"):
            current = scalar(line.strip()[:-1])
            clients[current] = {}
        elif line.startswith("    ") and current and ": " in line:
            key, _, value = line.strip().partition(": ")
            clients[current][key] = scalar(value)
    shared = ["issuer-uri", "token-uri", "jwk-set-uri", "introspection-uri", "revocation-uri"]
    first = next(fields for fields in clients.values() if "client-secret" in fields)
    if resource == "1" and "resource-uri" in first:
        shared.append("resource-uri")
    if poll_interval:
        print("defaults:")
        print(f"  poll-interval: {poll_interval}")
    print("clients:")
    # A fleet is of secret clients; any other (the default demo's private_key_jwt client) is left out.
    fleet = [(name, fields) for name, fields in clients.items() if "client-secret" in fields]
    for index, (name, fields) in enumerate(fleet):
        own = f'client-id: {json.dumps(fields["client-id"])}, client-secret: {json.dumps(fields["client-secret"])}'
        if index == 0:
            common = ", ".join(f"{key}: {json.dumps(first[key])}" for key in shared) + ", scope: custom_mod"
            print(f"  {json.dumps(name)}: &s {{{common}, {own}}}")
        else:
            print(f"  {json.dumps(name)}: {{<<: *s, {own}}}")


main()
