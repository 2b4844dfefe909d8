// tests/unit/notify/test_servers: real servers on 127.0.0.1 for the notify tests:
// an aiosmtpd SMTP server run as a child process (smtp_sink.py) and a small
// plain-socket HTTP receiver for webhooks, plus a helper to run Python tools.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace leakwatch::notify::testing {

// Debian's interpreter (python3-aiosmtpd is installed for it, not for other pythons).
std::string SystemPython();

// A self-signed certificate for 127.0.0.1 / localhost, made with the openssl tool;
// the certificate doubles as the CA file a client must trust.
struct TestCertificate {
  std::filesystem::path cert;
  std::filesystem::path key;
};
TestCertificate MakeTestCertificate(const std::filesystem::path& dir);

// A port on 127.0.0.1 that was free a moment ago (bound to 0, then released).
uint16_t PickFreePort();

// Runs `argv` and returns its stdout (stderr passes through); fails the test when it
// does not exit 0 within 30 s.
std::string RunTool(const std::vector<std::string>& argv, const std::string& stdin_data = "");

// aiosmtpd on 127.0.0.1 saving each message to dir()/NNNN.eml. Stops on destruction.
class SmtpSink {
 public:
  struct Auth {
    std::string user;
    std::string password;
  };
  struct Tls {
    bool implicit = false;  // false: STARTTLS offered and required before MAIL
    std::filesystem::path cert;
    std::filesystem::path key;
  };
  // port 0: the script picks one. Waits until the server accepts connections.
  explicit SmtpSink(std::filesystem::path dir, uint16_t port = 0,
                    std::optional<Auth> auth = std::nullopt, std::optional<Tls> tls = std::nullopt);
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& scheme = "smtp") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  // The saved messages, in arrival order.
  std::vector<std::filesystem::path> Messages() const;

 private:
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  uint16_t port_ = 0;
};

// What the HTTP receiver got.
struct HttpRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// A one-request-per-connection HTTP/1.1 server on 127.0.0.1:<ephemeral> in its own
// thread. Answers each request with the next queued response (default 200).
class HttpReceiver {
 public:
  struct Response {
    int status = 200;
    std::string extra_headers;  // e.g. "Retry-After: 120\r\n"
    std::string body = "ok";
    std::chrono::milliseconds delay{0};  // wait before answering (timeouts)
  };
  HttpReceiver();
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  void QueueResponse(Response response);
  std::string url(const std::string& path = "/hook") const;
  std::vector<HttpRequest> Requests() const;

 private:
  void Serve();
  void HandleConnection(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::deque<Response> responses_;
  std::vector<HttpRequest> requests_;
  std::thread thread_;
};

}  // namespace leakwatch::notify::testing
