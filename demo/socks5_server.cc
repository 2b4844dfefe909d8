#include "demo/socks5_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <set>

#include "demo/internal/io_runner.h"
#include "demo/internal/loopback_server.h"

namespace leakwatch::demo {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

constexpr uint8_t kSocksVersion = 5;
constexpr uint8_t kMethodNoAuth = 0x00;
constexpr uint8_t kMethodUserPass = 0x02;
constexpr uint8_t kMethodNoneAcceptable = 0xFF;
constexpr uint8_t kUserPassVersion = 1;
constexpr uint8_t kCommandConnect = 1;
constexpr uint8_t kAtypIpv4 = 0x01;
constexpr uint8_t kAtypDomain = 0x03;
constexpr uint8_t kAtypIpv6 = 0x04;
constexpr size_t kRelayBufferBytes = 16 * 1024;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

struct Socks5Server::Impl {
  explicit Impl(Options o) : options(o), runner(o.io_threads), acceptor(runner.io()) {}

  Options options;
  detail::IoRunner runner;  // declared first: destroyed last, after every socket
  tcp::acceptor acceptor;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  std::map<std::string, uint16_t> onions;
  std::map<std::string, uint8_t> forced;
  std::set<std::string> blackholes;
  std::vector<SocksConnect> connects;

  enum class Decision { kRelay, kReply, kHang };

  Decision Decide(const SocksConnect& request, uint8_t* reply, uint16_t* target) {
    std::lock_guard lock(mu);
    if (request.address_type != kAtypDomain) {
      *reply = kSocksNotAllowed;
      return Decision::kReply;
    }
    const std::string host = Lower(request.host);
    if (blackholes.count(host) != 0) return Decision::kHang;
    if (auto it = forced.find(host); it != forced.end()) {
      *reply = it->second;
      return Decision::kReply;
    }
    if (!EndsWith(host, ".onion")) {
      *reply = kSocksNotAllowed;
      return Decision::kReply;
    }
    auto it = onions.find(host);
    if (it == onions.end()) {
      *reply = kSocksOnionDescriptorNotFound;
      return Decision::kReply;
    }
    *target = it->second;
    return Decision::kRelay;
  }

  void Record(SocksConnect c) {
    std::lock_guard lock(mu);
    connects.push_back(std::move(c));
  }

  static awaitable<void> Pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    std::array<char, kRelayBufferBytes> buf{};
    try {
      for (;;) {
        const size_t n = co_await from->async_read_some(asio::buffer(buf), use_awaitable);
        co_await asio::async_write(*to, asio::buffer(buf.data(), n), use_awaitable);
      }
    } catch (const std::exception&) {
      // EOF or reset on either side ends the relay.
    }
    boost::system::error_code ignored;
    from->close(ignored);
    to->close(ignored);
  }

  static awaitable<void> SendReply(tcp::socket& client, uint8_t reply) {
    // Bound address 0.0.0.0:0: clients do not use it.
    const std::array<uint8_t, 10> msg = {kSocksVersion, reply, 0, kAtypIpv4, 0, 0, 0, 0, 0, 0};
    co_await asio::async_write(client, asio::buffer(msg), use_awaitable);
  }

  awaitable<void> Session(std::shared_ptr<tcp::socket> client) {
    try {
      std::array<uint8_t, 2> head{};
      co_await asio::async_read(*client, asio::buffer(head), use_awaitable);
      if (head[0] != kSocksVersion) co_return;
      std::vector<uint8_t> methods(head[1]);
      co_await asio::async_read(*client, asio::buffer(methods), use_awaitable);
      const bool offers_userpass =
          std::find(methods.begin(), methods.end(), kMethodUserPass) != methods.end();
      const bool offers_none =
          std::find(methods.begin(), methods.end(), kMethodNoAuth) != methods.end();
      uint8_t chosen = kMethodNoneAcceptable;
      if (offers_userpass) {
        chosen = kMethodUserPass;
      } else if (offers_none && !options.require_auth) {
        chosen = kMethodNoAuth;
      }
      const std::array<uint8_t, 2> selection = {kSocksVersion, chosen};
      co_await asio::async_write(*client, asio::buffer(selection), use_awaitable);
      if (chosen == kMethodNoneAcceptable) co_return;

      SocksConnect record;
      if (chosen == kMethodUserPass) {
        std::array<uint8_t, 2> ver_len{};
        co_await asio::async_read(*client, asio::buffer(ver_len), use_awaitable);
        if (ver_len[0] != kUserPassVersion) co_return;
        record.username.resize(ver_len[1]);
        co_await asio::async_read(*client, asio::buffer(record.username), use_awaitable);
        std::array<uint8_t, 1> plen{};
        co_await asio::async_read(*client, asio::buffer(plen), use_awaitable);
        record.password.resize(plen[0]);
        co_await asio::async_read(*client, asio::buffer(record.password), use_awaitable);
        const std::array<uint8_t, 2> auth_ok = {kUserPassVersion, 0};
        co_await asio::async_write(*client, asio::buffer(auth_ok), use_awaitable);
      }

      std::array<uint8_t, 4> request{};
      co_await asio::async_read(*client, asio::buffer(request), use_awaitable);
      if (request[0] != kSocksVersion) co_return;
      record.address_type = request[3];
      if (record.address_type == kAtypIpv4) {
        std::array<uint8_t, 4> a{};
        co_await asio::async_read(*client, asio::buffer(a), use_awaitable);
        record.host = asio::ip::address_v4(a).to_string();
      } else if (record.address_type == kAtypIpv6) {
        std::array<uint8_t, 16> a{};
        co_await asio::async_read(*client, asio::buffer(a), use_awaitable);
        record.host = asio::ip::address_v6(a).to_string();
      } else if (record.address_type == kAtypDomain) {
        std::array<uint8_t, 1> len{};
        co_await asio::async_read(*client, asio::buffer(len), use_awaitable);
        record.host.resize(len[0]);
        co_await asio::async_read(*client, asio::buffer(record.host), use_awaitable);
      } else {
        record.reply = kSocksAddressTypeNotSupported;
        Record(record);
        co_await SendReply(*client, record.reply);
        co_return;
      }
      std::array<uint8_t, 2> port_bytes{};
      co_await asio::async_read(*client, asio::buffer(port_bytes), use_awaitable);
      record.port = static_cast<uint16_t>((port_bytes[0] << 8) | port_bytes[1]);

      if (request[1] != kCommandConnect) {
        record.reply = kSocksCommandNotSupported;
        Record(record);
        co_await SendReply(*client, record.reply);
        co_return;
      }

      uint8_t reply = kSocksGeneralFailure;
      uint16_t target = 0;
      const Decision decision = Decide(record, &reply, &target);
      if (decision == Decision::kHang) {
        record.reply = kSocksGeneralFailure;  // never sent
        Record(record);
        std::array<char, 256> sink{};
        for (;;) co_await client->async_read_some(asio::buffer(sink), use_awaitable);
      }
      if (decision == Decision::kReply) {
        record.reply = reply;
        Record(record);
        co_await SendReply(*client, reply);
        co_return;
      }

      auto upstream = std::make_shared<tcp::socket>(client->get_executor());
      boost::system::error_code ec;
      co_await upstream->async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), target),
                                       asio::redirect_error(use_awaitable, ec));
      if (!ec) upstream->set_option(tcp::no_delay(true), ec);  // see AcceptLoop
      record.reply = ec ? kSocksConnectionRefused : kSocksSucceeded;
      Record(record);
      co_await SendReply(*client, record.reply);
      if (ec) co_return;
      asio::co_spawn(client->get_executor(), Pump(client, upstream), asio::detached);
      asio::co_spawn(client->get_executor(), Pump(upstream, client), asio::detached);
    } catch (const std::exception&) {
      // A client that hangs up mid-handshake is normal.
    }
  }

  awaitable<void> AcceptLoop() {
    return detail::AcceptLoop(
        runner.io(), acceptor, stopped,
        [this](std::shared_ptr<tcp::socket> s) { return Session(std::move(s)); });
  }
};

Socks5Server::Socks5Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Socks5Server::~Socks5Server() { Stop(); }

Result<std::unique_ptr<Socks5Server>> Socks5Server::Start(Options options) {
  auto impl = std::make_unique<Impl>(options);
  LW_ASSIGN_OR_RETURN(impl->port, detail::ListenOnLoopback(impl->acceptor, "socks5 gateway"));
  Impl* raw = impl.get();
  asio::co_spawn(raw->runner.io(), raw->AcceptLoop(), asio::detached);
  raw->runner.Run();
  return std::unique_ptr<Socks5Server>(new Socks5Server(std::move(impl)));
}

void Socks5Server::MapOnion(std::string_view onion_host, uint16_t target_port) {
  std::lock_guard lock(impl_->mu);
  impl_->onions[Lower(onion_host)] = target_port;
}

void Socks5Server::ForceReply(std::string_view host, uint8_t reply) {
  std::lock_guard lock(impl_->mu);
  impl_->forced[Lower(host)] = reply;
}

void Socks5Server::Blackhole(std::string_view host) {
  std::lock_guard lock(impl_->mu);
  impl_->blackholes.insert(Lower(host));
}

uint16_t Socks5Server::port() const { return impl_->port; }

std::string Socks5Server::ProxyUrl() const {
  return "socks5h://127.0.0.1:" + std::to_string(impl_->port);
}

std::vector<SocksConnect> Socks5Server::Connects() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connects;
}

void Socks5Server::Stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->runner.Stop();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace leakwatch::demo
