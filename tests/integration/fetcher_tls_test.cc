// HTTPS: an onion's self-signed certificate is accepted (the onion address already
// authenticates the service), a clearnet host's is not.
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "crawler/fetcher.h"
#include "demo/socks5_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using std::chrono::milliseconds;

constexpr char kOnion[] = "tlsonionxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion";

// Python's http.server behind TLS with the given certificate; writes its port to
// `port_file` once listening.
constexpr char kHttpsServer[] = R"(import http.server, ssl, sys
class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<p>served over tls</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Page)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
server.socket = context.wrap_socket(server.socket, server_side=True)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
server.serve_forever()
)";

uint16_t WaitForPort(const std::filesystem::path& port_file) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) return static_cast<uint16_t>(port);
    std::this_thread::sleep_for(milliseconds(20));
  }
  FAIL("the HTTPS test server did not start");
  return 0;
}

TEST_CASE("https: an onion's self-signed certificate is fine, a clearnet one is a tls error",
          "[integration]") {
  testing::TempDir dir;
  const testing::ProcessResult cert = testing::RunProcess(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", (dir / "key.pem").string(), "-out",
       (dir / "cert.pem").string(), "-subj", "/CN=onion", "-days", "2"});
  REQUIRE(cert.exit_code == 0);
  const std::filesystem::path script = dir.Write("https_server.py", kHttpsServer);
  testing::ChildProcess server({"/usr/bin/python3", script.string(), (dir / "cert.pem").string(),
                                (dir / "key.pem").string(), (dir / "port").string()},
                               dir / "server.log");
  const uint16_t port = WaitForPort(dir / "port");

  auto proxy = demo::Socks5Server::Start();
  REQUIRE(proxy.has_value());
  (*proxy)->MapOnion(kOnion, port);
  Options options;
  options.proxy_url = (*proxy)->ProxyUrl();
  options.min_delay = milliseconds(0);
  options.connect_timeout = milliseconds(5000);
  options.page_total_timeout = milliseconds(10000);
  util::SystemClock clock;
  auto fetcher = Fetcher::Start(options, clock);
  REQUIRE(fetcher.has_value());

  const auto fetch = [&](const std::string& url, bool direct) {
    FetchRequest request;
    request.url = url;
    request.direct = direct;
    request.socks_username = "src";
    request.socks_password = "pw";
    (*fetcher)->Submit(std::move(request));
    auto r = (*fetcher)->NextResult(milliseconds(30000));
    REQUIRE(r.has_value());
    return std::move(*r);
  };
  const FetchResult onion = fetch(std::string("https://") + kOnion + "/", false);
  INFO(ErrorClassName(onion.error) << " " << onion.error_detail);
  REQUIRE(onion.ok());
  CHECK(onion.http_status == 200);
  CHECK(onion.body.memory() == "<p>served over tls</p>");

  // The same server as a clearnet host of a `direct = true` source: verified, refused.
  const FetchResult clearnet = fetch("https://127.0.0.1:" + std::to_string(port) + "/", true);
  INFO(clearnet.error_detail);
  CHECK(clearnet.error == ErrorClass::kTls);
  CHECK(ErrorClassName(clearnet.error) == "tls");
}

}  // namespace
}  // namespace leakwatch::crawler
