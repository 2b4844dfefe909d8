#include "demo/smtp_sink.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <condition_variable>
#include <mutex>

#include "demo/internal/io_runner.h"
#include "demo/internal/loopback_server.h"

namespace leakwatch::demo {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxRecipients = 100;

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool StartsWithNoCase(std::string_view line, std::string_view prefix) {
  return line.size() >= prefix.size() && Upper(line.substr(0, prefix.size())) == prefix;
}

// "MAIL FROM:<a@b>" -> "a@b" (also without brackets); parameters after the path dropped.
std::string PathArgument(std::string_view line, size_t prefix_len) {
  std::string_view rest = line.substr(prefix_len);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!rest.empty() && rest.front() == '<') {
    const size_t close = rest.find('>');
    return std::string(
        rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1));
  }
  return std::string(rest.substr(0, rest.find(' ')));
}

}  // namespace

struct SmtpSink::Impl {
  explicit Impl(Options o) : options(o), runner(1), acceptor(runner.io()) {}

  Options options;
  detail::IoRunner runner;  // declared first: destroyed last, after every socket
  tcp::acceptor acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
  std::atomic<bool> refuse_all{false};

  mutable std::mutex mu;
  mutable std::condition_variable arrived;
  std::vector<ReceivedMail> messages;

  static awaitable<void> Reply(tcp::socket& socket, std::string line) {
    line += "\r\n";
    co_await asio::async_write(socket, asio::buffer(line), use_awaitable);
  }

  // Reads one CRLF- (or LF-) terminated line without its terminator. False at EOF, on
  // error or when the line exceeds kMaxLineBytes.
  static awaitable<bool> ReadLine(tcp::socket& socket, std::string& buffer, std::string& line) {
    boost::system::error_code ec;
    const size_t n =
        co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer, kMaxLineBytes), "\n",
                                        asio::redirect_error(use_awaitable, ec));
    if (ec) co_return false;
    line.assign(buffer.data(), n - 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    buffer.erase(0, n);
    co_return true;
  }

  awaitable<void> Session(std::shared_ptr<tcp::socket> socket) {
    try {
      co_await Reply(*socket, "220 leakwatch-demo ESMTP sink");
      std::string buffer;
      std::string line;
      ReceivedMail mail;
      bool in_transaction = false;
      while (co_await ReadLine(*socket, buffer, line)) {
        if (StartsWithNoCase(line, "EHLO")) {
          mail = {};
          in_transaction = false;
          mail.helo = line.size() > 5 ? line.substr(5) : "";
          co_await Reply(*socket, "250-leakwatch-demo\r\n250-8BITMIME\r\n250 SIZE " +
                                      std::to_string(options.max_message_bytes));
        } else if (StartsWithNoCase(line, "HELO")) {
          mail = {};
          in_transaction = false;
          mail.helo = line.size() > 5 ? line.substr(5) : "";
          co_await Reply(*socket, "250 leakwatch-demo");
        } else if (StartsWithNoCase(line, "MAIL FROM:")) {
          if (refuse_all.load()) {
            co_await Reply(*socket, "421 4.3.2 service not available, closing channel");
            break;
          }
          const std::string helo = mail.helo;
          mail = {};
          mail.helo = helo;
          mail.from = PathArgument(line, 10);
          in_transaction = true;
          co_await Reply(*socket, "250 2.1.0 ok");
        } else if (StartsWithNoCase(line, "RCPT TO:")) {
          if (!in_transaction) {
            co_await Reply(*socket, "503 5.5.1 MAIL first");
          } else if (mail.to.size() >= kMaxRecipients) {
            co_await Reply(*socket, "452 4.5.3 too many recipients");
          } else {
            mail.to.push_back(PathArgument(line, 8));
            co_await Reply(*socket, "250 2.1.5 ok");
          }
        } else if (Upper(line) == "DATA") {
          if (!in_transaction || mail.to.empty()) {
            co_await Reply(*socket, "503 5.5.1 RCPT first");
            continue;
          }
          co_await Reply(*socket, "354 end data with <CR><LF>.<CR><LF>");
          bool too_large = false;
          bool complete = false;
          while (co_await ReadLine(*socket, buffer, line)) {
            if (line == ".") {
              complete = true;
              break;
            }
            if (!line.empty() && line.front() == '.') line.erase(0, 1);  // dot-unstuffing
            if (mail.data.size() + line.size() + 2 > options.max_message_bytes) too_large = true;
            if (!too_large) mail.data += line + "\r\n";
          }
          if (!complete) break;
          in_transaction = false;
          if (too_large) {
            co_await Reply(*socket, "552 5.3.4 message too large");
            continue;
          }
          {
            std::lock_guard lock(mu);
            messages.push_back(std::move(mail));
          }
          arrived.notify_all();
          mail = {};
          co_await Reply(*socket, "250 2.0.0 queued");
        } else if (Upper(line) == "RSET") {
          in_transaction = false;
          mail.to.clear();
          mail.data.clear();
          co_await Reply(*socket, "250 2.0.0 ok");
        } else if (Upper(line) == "NOOP") {
          co_await Reply(*socket, "250 2.0.0 ok");
        } else if (Upper(line) == "QUIT") {
          co_await Reply(*socket, "221 2.0.0 bye");
          break;
        } else {
          co_await Reply(*socket, "502 5.5.2 command not implemented");
        }
      }
    } catch (const std::exception&) {
      // A client that hangs up mid-session is normal.
    }
    boost::system::error_code ignored;
    socket->shutdown(tcp::socket::shutdown_both, ignored);
    socket->close(ignored);
  }

  awaitable<void> AcceptLoop() {
    return detail::AcceptLoop(
        runner.io(), acceptor, stopped,
        [this](std::shared_ptr<tcp::socket> s) { return Session(std::move(s)); });
  }
};

SmtpSink::SmtpSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SmtpSink::~SmtpSink() { Stop(); }

Result<std::unique_ptr<SmtpSink>> SmtpSink::Start(Options options) {
  auto impl = std::make_unique<Impl>(options);
  impl->refuse_all.store(options.refuse_all);
  LW_ASSIGN_OR_RETURN(impl->port, detail::ListenOnLoopback(impl->acceptor, "smtp sink"));
  Impl* raw = impl.get();
  asio::co_spawn(raw->runner.io(), raw->AcceptLoop(), asio::detached);
  raw->runner.Run();
  return std::unique_ptr<SmtpSink>(new SmtpSink(std::move(impl)));
}

uint16_t SmtpSink::port() const { return impl_->port; }

std::string SmtpSink::Url() const { return "smtp://127.0.0.1:" + std::to_string(impl_->port); }

std::vector<ReceivedMail> SmtpSink::Messages() const {
  std::lock_guard lock(impl_->mu);
  return impl_->messages;
}

size_t SmtpSink::MessageCount() const {
  std::lock_guard lock(impl_->mu);
  return impl_->messages.size();
}

bool SmtpSink::WaitForMessages(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->arrived.wait_for(lock, timeout, [&] { return impl_->messages.size() >= count; });
}

void SmtpSink::SetRefuseAll(bool refuse) { impl_->refuse_all.store(refuse); }

void SmtpSink::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->runner.Stop();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace leakwatch::demo
