#!/usr/bin/env python3
"""Parses a received message with Python's standard email package and prints JSON:
headers of interest, the content types of the parts and the decoded text and HTML
bodies, so the C++ test checks what a real mail client would see."""
import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    msg = email.message_from_binary_file(f, policy=email.policy.default)
out = {
    "subject": msg["Subject"],
    "from": msg["From"],
    "to": msg["To"],
    "date": msg["Date"],
    "message_id": msg["Message-ID"],
    "mime_version": msg["MIME-Version"],
    "content_type": msg.get_content_type(),
    "defects": [str(d) for d in msg.defects],
    "parts": [],
    "headers": [k for k in msg.keys()],
}
for part in msg.iter_parts():
    out["parts"].append({"type": part.get_content_type(), "body": part.get_content(),
                         "defects": [str(d) for d in part.defects]})
print(json.dumps(out))
