#!/usr/bin/env python3
"""A real SMTP server for notify tests: aiosmtpd on 127.0.0.1.

Each accepted message is written to DIR/NNNN.eml (raw bytes as received, atomically
renamed into place) with its envelope in DIR/NNNN.eml.envelope. The chosen port is
printed on stdout as one line once the server accepts connections; the server stops
when its stdin reaches EOF (the test closes the pipe or dies).

  smtp_sink.py --dir DIR [--port N] [--user U --password P]
               [--tls starttls|implicit --cert PEM --key PEM]

With --tls starttls the server offers STARTTLS and refuses mail before it; with
--tls implicit it speaks TLS from the first byte (smtps).
"""
import argparse
import os
import socket
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Saver:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.directory, "%04d.eml" % self.count)
        with open(path + ".envelope", "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for rcpt in envelope.rcpt_tos:
                f.write("to %s\n" % rcpt)
            f.write("auth %s\n" % (session.authenticated and "yes" or "no"))
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
        return "250 OK message saved"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--tls", choices=["starttls", "implicit"])
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()
    port = args.port or free_port()
    kwargs = {}
    if args.user:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login == args.user.encode()
                  and auth_data.password == args.password.encode())
            return AuthResult(success=ok)
        kwargs = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        if args.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        else:
            kwargs.update(ssl_context=context)
    controller = Controller(Saver(args.dir), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
