// demo/internal/loopback_server: the listening half every demo server shares (the
// SOCKS5 gateway, the fixture sites, the SMTP sink): bind 127.0.0.1 on an ephemeral
// port, then accept connections and hand each to a session coroutine on its own strand.
#pragma once

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace leakwatch::demo::detail {

// Opens `acceptor` on 127.0.0.1:0 and returns the port it got. Loopback only, always.
inline Result<uint16_t> ListenOnLoopback(boost::asio::ip::tcp::acceptor& acceptor,
                                         std::string_view server_name) {
  namespace asio = boost::asio;
  try {
    const asio::ip::tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    return acceptor.local_endpoint().port();
  } catch (const std::exception& e) {
    return Status::IOError(std::string(server_name) + ": cannot listen on 127.0.0.1: " + e.what());
  }
}

// Accepts until the acceptor is closed with `stopped` set; each connection runs
// `session(socket)` (a coroutine taking shared_ptr<tcp::socket>) on its own strand.
template <typename SessionFn>
boost::asio::awaitable<void> AcceptLoop(boost::asio::io_context& io,
                                        boost::asio::ip::tcp::acceptor& acceptor,
                                        const std::atomic<bool>& stopped, SessionFn session) {
  namespace asio = boost::asio;
  for (;;) {
    auto socket = std::make_shared<asio::ip::tcp::socket>(asio::make_strand(io));
    boost::system::error_code ec;
    co_await acceptor.async_accept(*socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopped.load()) co_return;
      continue;
    }
    // Without it, Nagle holds a response's second write until the client's delayed ACK
    // (~40 ms on Linux): a cost no real server or Tor adds, and the crawl benchmark would
    // measure it as the crawler's.
    socket->set_option(asio::ip::tcp::no_delay(true), ec);
    asio::co_spawn(socket->get_executor(), session(socket), asio::detached);
  }
}

}  // namespace leakwatch::demo::detail
