"""A webhook receiver for the end-to-end tests: saves every POST (headers and raw
body) as NNNN.json in a directory and answers 200. Writes its port to PORT_FILE once
listening. Usage: webhook_receiver.py DIR PORT_FILE"""
import http.server
import json
import os
import sys

out_dir, port_file = sys.argv[1], sys.argv[2]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        count = len([n for n in os.listdir(out_dir) if n.endswith(".json")])
        record = {"headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": body.decode("utf-8", "replace")}
        tmp = os.path.join(out_dir, "%04d.tmp" % count)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(out_dir, "%04d.json" % count))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
