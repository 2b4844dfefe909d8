// Proxy preflight against the demo SOCKS5 gateway and a scripted Tor control port,
// all on 127.0.0.1.
#include "crawler/preflight.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "demo/socks5_server.h"
#include "tests/support/temp_dir.h"

namespace leakwatch::crawler {
namespace {

using std::chrono::milliseconds;

// A one-connection Tor control port: records the commands, answers like Tor.
class FakeControlPort {
 public:
  explicit FakeControlPort(int bootstrap_percent) : percent_(bootstrap_percent) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(listen_fd_, 4) == 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeControlPort() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);  // the serving thread may still be reading a command
    return commands_;
  }

 private:
  void Serve() {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string buffer;
    char chunk[512];
    for (;;) {
      const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t eol;
      while ((eol = buffer.find("\r\n")) != std::string::npos) {
        const std::string line = buffer.substr(0, eol);
        buffer.erase(0, eol + 2);
        {
          std::lock_guard lock(mu_);
          commands_.push_back(line);
        }
        std::string reply = "250 OK\r\n";
        if (line.rfind("AUTHENTICATE", 0) == 0 && line != "AUTHENTICATE 6b6579") {
          reply = "515 Authentication failed: Wrong length on authentication cookie.\r\n";
        } else if (line == "GETINFO status/bootstrap-phase") {
          reply =
              "250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=" + std::to_string(percent_) +
              " TAG=x SUMMARY=\"Loading\"\r\n250 OK\r\n";
        }
        ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
        if (line == "QUIT") {
          ::close(fd);
          return;
        }
      }
    }
    ::close(fd);
  }

  int percent_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> commands_;  // guarded by mu_
};

TEST_CASE("preflight: SOCKS5 handshake ok, dead proxy is one clear error", "[integration]") {
  auto proxy = demo::Socks5Server::Start();
  REQUIRE(proxy.has_value());
  auto health = CheckProxy((*proxy)->ProxyUrl(), {}, milliseconds(3000));
  REQUIRE(health.has_value());
  CHECK(health->tcp_ok);
  CHECK(health->socks_ok);
  CHECK(health->ok());
  CHECK((*proxy)->Connects().empty());  // the handshake stops before any CONNECT

  const std::string url = (*proxy)->ProxyUrl();
  proxy->reset();
  auto down = CheckProxy(url, {}, milliseconds(3000));
  REQUIRE_FALSE(down.has_value());
  CHECK(down.error().code() == StatusCode::kUnavailable);
  CHECK(down.error().message().find("Tor is not reachable at 127.0.0.1:") == 0);

  CHECK(CheckProxy("socks5h://tor.example:9050", {}, milliseconds(100)).error().code() ==
        StatusCode::kInvalidArgument);  // would need DNS
  CHECK(CheckProxy("http://127.0.0.1:1", {}, milliseconds(100)).error().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("preflight: control port cookie auth, bootstrap phase and NEWNYM", "[integration]") {
  auto proxy = demo::Socks5Server::Start();
  REQUIRE(proxy.has_value());
  leakwatch::testing::TempDir dir;
  ControlPortOptions control;
  control.cookie_file = dir.Write("control_auth_cookie", "key");
  {
    FakeControlPort tor(57);
    control.address = tor.address();
    auto health = CheckProxy((*proxy)->ProxyUrl(), control, milliseconds(3000));
    REQUIRE(health.has_value());
    CHECK(health->bootstrap_percent == 57);
    CHECK(health->bootstrap_summary == "Loading");
    CHECK_FALSE(health->ok());  // not bootstrapped: not usable yet
    const auto commands = tor.commands();
    REQUIRE(commands.size() >= 2);
    CHECK(commands[0] == "AUTHENTICATE 6b6579");
  }
  {
    FakeControlPort tor(100);
    control.address = tor.address();
    REQUIRE(SignalNewnym(control, milliseconds(3000)).ok());
    CHECK(tor.commands().at(1) == "SIGNAL NEWNYM");
  }
  {
    FakeControlPort tor(100);
    control.address = tor.address();
    control.cookie_file = dir.Write("wrong_cookie", "nope");
    auto health = CheckProxy((*proxy)->ProxyUrl(), control, milliseconds(3000));
    REQUIRE_FALSE(health.has_value());
    CHECK(health.error().code() == StatusCode::kPermissionDenied);
  }
}

}  // namespace
}  // namespace leakwatch::crawler
