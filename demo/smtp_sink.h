// demo/smtp_sink: a minimal SMTP server (RFC 5321 subset) on Boost.Asio for the demo
// and tests: it accepts mail on 127.0.0.1 and keeps every received message in memory.
//
// Speaks EHLO/HELO, MAIL FROM, RCPT TO, DATA (dot-unstuffing), RSET, NOOP, QUIT; no
// STARTTLS and no AUTH (the demo config sets tls = "none" for this loopback sink).
// Limits: lines over 4 KiB and messages over `max_message_bytes` are refused (552/500),
// at most 100 recipients per message.
//
// Threads: one io thread of its own; every public method is thread safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace leakwatch::demo {

struct ReceivedMail {
  std::string helo;  // the client's EHLO/HELO argument
  std::string from;  // reverse path without angle brackets
  std::vector<std::string> to;
  std::string data;  // the message (headers + body), CRLF line ends, dot-unstuffed
};

class SmtpSink {
 public:
  struct Options {
    uint64_t max_message_bytes = 4u << 20;
    // When true, every transaction is refused at MAIL FROM with 421 and the connection
    // closed: "the mail server is down" without closing the port.
    bool refuse_all = false;
  };

  // Binds 127.0.0.1:0 and starts serving. Errors: IOError when binding fails.
  static Result<std::unique_ptr<SmtpSink>> Start(Options options);
  static Result<std::unique_ptr<SmtpSink>> Start() { return Start(Options{}); }

  ~SmtpSink();  // stops and joins
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  uint16_t port() const;
  // "smtp://127.0.0.1:PORT".
  std::string Url() const;

  std::vector<ReceivedMail> Messages() const;
  size_t MessageCount() const;
  // Waits until at least `count` messages arrived or `timeout` passed; true if they did.
  bool WaitForMessages(size_t count, std::chrono::milliseconds timeout) const;
  void SetRefuseAll(bool refuse);

  // Stops accepting and closes connections. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit SmtpSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakwatch::demo
