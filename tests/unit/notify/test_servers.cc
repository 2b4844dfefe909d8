#include "tests/unit/notify/test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <stdexcept>

#include "notify/internal/subprocess.h"

extern char** environ;

namespace leakwatch::notify::testing {
namespace fs = std::filesystem;
namespace {

constexpr int kStartupTimeoutMs = 20000;

// Reads one line from `fd` within the timeout; empty on failure.
std::string ReadLine(int fd, int timeout_ms) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char c = 0;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) break;
    if (c == '\n') return line;
    line += c;
  }
  return "";
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string SystemPython() {
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

uint16_t PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string RunTool(const std::vector<std::string>& argv, const std::string& stdin_data) {
  detail::ProcessSpec spec;
  spec.argv = argv;
  for (char** e = environ; *e != nullptr; ++e) spec.env.emplace_back(*e);
  spec.stdin_data = stdin_data;
  spec.timeout = std::chrono::seconds(30);
  spec.max_output = 16 * 1024 * 1024;
  auto result = detail::RunProcess(spec);
  REQUIRE(result.has_value());
  INFO("tool output: " << result->output);
  REQUIRE(result->exited);
  REQUIRE(result->exit_code == 0);
  return result->output;
}

TestCertificate MakeTestCertificate(const fs::path& dir) {
  fs::create_directories(dir);
  TestCertificate c{dir / "cert.pem", dir / "key.pem"};
  RunTool({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", c.key.string(), "-out",
           c.cert.string(), "-subj", "/CN=localhost", "-addext",
           "subjectAltName=IP:127.0.0.1,DNS:localhost", "-days", "2"});
  return c;
}

SmtpSink::SmtpSink(fs::path dir, uint16_t port, std::optional<Auth> auth, std::optional<Tls> tls)
    : dir_(std::move(dir)) {
  fs::create_directories(dir_);
  int in_pipe[2];
  int out_pipe[2];
  REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  std::vector<std::string> args = {
      SystemPython(), std::string(LW_SOURCE_DIR) + "/tests/unit/notify/smtp_sink.py",
      "--dir",        dir_.string(),
      "--port",       std::to_string(port)};
  if (auth.has_value()) {
    args.insert(args.end(), {"--user", auth->user, "--password", auth->password});
  }
  if (tls.has_value()) {
    args.insert(args.end(), {"--tls", tls->implicit ? "implicit" : "starttls", "--cert",
                             tls->cert.string(), "--key", tls->key.string()});
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  const int rc = ::posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  stdin_fd_ = in_pipe[1];
  REQUIRE(rc == 0);
  const std::string line = ReadLine(out_pipe[0], kStartupTimeoutMs);
  ::close(out_pipe[0]);
  INFO("smtp_sink.py did not print its port (is python3-aiosmtpd installed?)");
  REQUIRE(!line.empty());
  port_ = static_cast<uint16_t>(std::stoi(line));
}

SmtpSink::~SmtpSink() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);  // EOF on its stdin: the server stops
  if (pid_ <= 0) return;
  int status = 0;
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    ::usleep(50 * 1000);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
}

std::vector<fs::path> SmtpSink::Messages() const {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    if (entry.path().extension() == ".eml") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

HttpReceiver::HttpReceiver() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listen_fd_ >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(listen_fd_, 16) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

HttpReceiver::~HttpReceiver() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

void HttpReceiver::QueueResponse(Response response) {
  std::lock_guard<std::mutex> lock(mu_);
  responses_.push_back(std::move(response));
}

std::string HttpReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<HttpRequest> HttpReceiver::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void HttpReceiver::Serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    HandleConnection(fd);
    ::close(fd);
  }
}

void HttpReceiver::HandleConnection(int fd) {
  std::string data;
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return;
    data.append(buf, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const std::string lower = Lower(data.substr(0, header_end));
        const size_t cl = lower.find("\r\ncontent-length:");
        if (cl != std::string::npos) {
          content_length = std::stoul(lower.substr(cl + 17, lower.find("\r\n", cl + 2) - cl - 17));
        }
      }
    }
  }
  if (header_end == std::string::npos) return;
  HttpRequest request;
  const std::string head = data.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = request_line.find(' ', sp1 + 1);
  request.method = request_line.substr(0, sp1);
  request.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(pos, end - pos);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      request.headers[Lower(line.substr(0, colon))] = value;
    }
    pos = end + 2;
  }
  request.body = data.substr(header_end + 4, content_length);
  Response response;
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(std::move(request));
    if (!responses_.empty()) {
      response = responses_.front();
      responses_.pop_front();
    }
  }
  if (response.delay.count() > 0) std::this_thread::sleep_for(response.delay);
  const std::string reply =
      "HTTP/1.1 " + std::to_string(response.status) + " Status\r\n" +
      "Content-Type: text/plain\r\nContent-Length: " + std::to_string(response.body.size()) +
      "\r\nConnection: close\r\n" + response.extra_headers + "\r\n" + response.body;
  size_t sent = 0;
  while (sent < reply.size()) {
    const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace leakwatch::notify::testing
