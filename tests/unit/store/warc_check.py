#!/usr/bin/env python3
"""A strict WARC/1.1 reader, independent of leakwatch's writer (warcio is not packaged
for Debian 12, so the tests carry this instead).

Usage: warc_check.py FILE
Walks every record by its Content-Length and fails (exit 1, reason on stderr) unless:
  - each record starts with "WARC/1.1", has WARC-Type, a unique <urn:uuid:...>
    WARC-Record-ID, a WARC-Date in W3C/ISO 8601 UTC form and a decimal Content-Length,
    and its block is followed by CRLFCRLF;
  - every WARC-Block-Digest and WARC-Payload-Digest ("sha256:" + base32, or "sha1:")
    matches;
  - response records hold a parseable HTTP response (status line, headers via the
    standard library's http.client parser) whose payload length equals its
    Content-Length header and which carries no Transfer-Encoding / Content-Encoding
    the stored payload no longer has;
  - request records hold an HTTP request line and point (WARC-Concurrent-To) at a
    response record in the file; metadata records point (WARC-Refers-To) at one and
    hold application/warc-fields.
Prints one JSON object per line per record: offset, type, target, record_id, payload
sha256 hex (responses), HTTP status, the HTTP headers and metadata fields.
"""
import base64
import hashlib
import http.client
import io
import json
import re
import sys

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
UUID = re.compile(r"^<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}>$")
TYPES = {"warcinfo", "response", "resource", "request", "metadata", "revisit", "conversion",
         "continuation"}


def fail(offset, why):
    sys.stderr.write(f"warc_check: record at byte {offset}: {why}\n")
    sys.exit(1)


def check_digest(offset, label, data, what):
    algo, _, value = label.partition(":")
    if algo == "sha256":
        want = base64.b32encode(hashlib.sha256(data).digest()).decode()
    elif algo == "sha1":
        want = base64.b32encode(hashlib.sha1(data).digest()).decode()
    else:
        fail(offset, f"unknown {what} digest algorithm {algo}")
    if value != want:
        fail(offset, f"{what} digest mismatch: {value} != {want}")


def split_http(offset, block):
    end = block.find(b"\r\n\r\n")
    if end < 0:
        fail(offset, "HTTP message without the blank line after its head")
    first, _, rest = block[:end + 2].partition(b"\r\n")
    headers = http.client.parse_headers(io.BytesIO(rest + b"\r\n"))
    return first.decode("latin-1"), headers, block[end + 4:]


def main(path):
    data = open(path, "rb").read()
    pos = 0
    records = []
    ids = set()
    while pos < len(data):
        offset = pos
        if not data.startswith(b"WARC/1.1\r\n", pos):
            fail(offset, "does not start with WARC/1.1")
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            fail(offset, "record head never ends")
        fields = {}
        for line in data[pos + 10:end].decode("utf-8").split("\r\n"):
            name, sep, value = line.partition(": ")
            if not sep or not name:
                fail(offset, f"bad header line {line!r}")
            fields[name] = value
        for required in ("WARC-Type", "WARC-Record-ID", "WARC-Date", "Content-Length"):
            if required not in fields:
                fail(offset, f"missing {required}")
        if fields["WARC-Type"] not in TYPES:
            fail(offset, "unknown WARC-Type " + fields["WARC-Type"])
        if not UUID.match(fields["WARC-Record-ID"]) or fields["WARC-Record-ID"] in ids:
            fail(offset, "bad or duplicate WARC-Record-ID")
        ids.add(fields["WARC-Record-ID"])
        if not DATE.match(fields["WARC-Date"]):
            fail(offset, "bad WARC-Date " + fields["WARC-Date"])
        if not fields["Content-Length"].isdigit():
            fail(offset, "bad Content-Length")
        length = int(fields["Content-Length"])
        block = data[end + 4:end + 4 + length]
        if len(block) != length:
            fail(offset, "block truncated")
        if data[end + 4 + length:end + 8 + length] != b"\r\n\r\n":
            fail(offset, "block not followed by CRLFCRLF")
        pos = end + 8 + length
        if "WARC-Block-Digest" in fields:
            check_digest(offset, fields["WARC-Block-Digest"], block, "block")
        out = {"offset": offset, "type": fields["WARC-Type"],
               "record_id": fields["WARC-Record-ID"],
               "target": fields.get("WARC-Target-URI", ""), "warc": fields}
        kind = fields["WARC-Type"]
        if kind == "response":
            if fields.get("Content-Type") != "application/http;msgtype=response":
                fail(offset, "response without application/http;msgtype=response")
            status, headers, payload = split_http(offset, block)
            m = re.match(r"^HTTP/\d(\.\d)? (\d{3})( .*)?$", status)
            if not m:
                fail(offset, f"bad status line {status!r}")
            for coding in ("Transfer-Encoding", "Content-Encoding"):
                if headers.get(coding) not in (None, "identity"):
                    fail(offset, f"stored payload still declares {coding}")
            if headers.get("Content-Length") is not None and \
                    int(headers["Content-Length"]) != len(payload):
                fail(offset, "HTTP Content-Length does not match the stored payload")
            if "WARC-Payload-Digest" not in fields:
                fail(offset, "response without WARC-Payload-Digest")
            check_digest(offset, fields["WARC-Payload-Digest"], payload, "payload")
            out["status"] = int(m.group(2))
            out["http_headers"] = [[k, v] for k, v in headers.items()]
            out["payload_sha256"] = hashlib.sha256(payload).hexdigest()
            out["payload_size"] = len(payload)
        elif kind == "request":
            request_line, headers, _ = split_http(offset, block)
            if not re.match(r"^[A-Z]+ \S+ HTTP/\d(\.\d)?$", request_line):
                fail(offset, f"bad request line {request_line!r}")
            out["http_headers"] = [[k, v] for k, v in headers.items()]
        elif kind in ("metadata", "warcinfo"):
            if fields.get("Content-Type") != "application/warc-fields":
                fail(offset, "expected application/warc-fields")
            out["fields"] = {}
            for line in block.decode("utf-8").split("\r\n"):
                if line:
                    name, sep, value = line.partition(": ")
                    if not sep:
                        fail(offset, f"bad warc-fields line {line!r}")
                    out["fields"][name] = value
        records.append(out)
    responses = {r["record_id"] for r in records if r["type"] == "response"}
    for r in records:
        link = {"request": "WARC-Concurrent-To", "metadata": "WARC-Refers-To"}.get(r["type"])
        if link and r["warc"].get(link) not in responses:
            fail(r["offset"], f"{r['type']} record's {link} names no response in the file")
    if not records or records[0]["type"] != "warcinfo":
        fail(0, "the file does not open with a warcinfo record")
    for r in records:
        print(json.dumps(r))


if __name__ == "__main__":
    main(sys.argv[1])
