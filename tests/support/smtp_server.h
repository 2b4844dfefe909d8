// tests/support/smtp_server: a real SMTP server for tests, Debian's python3-aiosmtpd
// (`/usr/bin/python3 -m aiosmtpd` with its Maildir handler) run as a child process on
// 127.0.0.1, and the messages it stored, read back from the Maildir.
//
// aiosmtpd writes a message into the Maildir before it answers 250 to the DATA, so
// once a client saw its message accepted, Messages() lists it. aiosmtpd adds the
// envelope as X-MailFrom / X-RcptTo headers, which tests use to tell apart the mail
// of several configs sharing one server.
//
// Errors: Start failures (python3 or aiosmtpd missing, port taken, not listening
// within 15 s) throw std::runtime_error. Not thread safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/process.h"

namespace leakwatch::testing {

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
uint16_t FreeLoopbackPort();

struct StoredMail {
  std::string data;  // headers and body as stored (LF line ends)

  // The first header `name` (case-insensitive), unfolded; "" when absent.
  std::string Header(std::string_view name) const;
  // The decoded body of the first text/plain part (base64 or 7bit); "" when none.
  std::string PlainText() const;
};

// A TCP port on 127.0.0.1 that accepts connections (in the kernel backlog) and never
// says a word: a mail server that hangs before its greeting, to catch a client in
// the middle of a delivery. Closed by the destructor.
class SilentListener {
 public:
  SilentListener();  // throws std::runtime_error when it cannot listen
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  uint16_t port() const { return port_; }
  // True once a client has connected (within `timeout`).
  bool WaitForConnection(std::chrono::milliseconds timeout) const;

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class SmtpServer {
 public:
  // Starts aiosmtpd on 127.0.0.1:`port` (0: a free port) storing into `maildir`
  // (created), and waits until it accepts connections.
  SmtpServer(const std::filesystem::path& maildir, uint16_t port = 0);
  ~SmtpServer();  // stops the server (SIGTERM, then SIGKILL) and reaps it
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  uint16_t port() const { return port_; }
  // "smtp://127.0.0.1:PORT".
  std::string Url() const;
  // Every stored message, oldest first (by Maildir delivery time).
  std::vector<StoredMail> Messages() const;
  // The messages whose envelope recipient (X-RcptTo) is `recipient`.
  std::vector<StoredMail> MessagesTo(std::string_view recipient) const;

 private:
  std::filesystem::path maildir_;
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace leakwatch::testing
