#include "crawler/preflight.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "util/files.h"
#include "util/hash.h"

namespace leakwatch::crawler {
namespace {

using Clock = std::chrono::steady_clock;

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
  std::string text;
};

Result<Endpoint> ParseHostPort(std::string_view host_port) {
  std::string host;
  std::string_view port_text;
  if (!host_port.empty() && host_port.front() == '[') {
    const size_t close = host_port.find(']');
    if (close == std::string_view::npos || close + 1 >= host_port.size() ||
        host_port[close + 1] != ':') {
      return Status::InvalidArgument("bad address: " + std::string(host_port));
    }
    host = std::string(host_port.substr(1, close - 1));
    port_text = host_port.substr(close + 2);
  } else {
    const size_t colon = host_port.rfind(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument("address without port: " + std::string(host_port));
    }
    host = std::string(host_port.substr(0, colon));
    port_text = host_port.substr(colon + 1);
  }
  while (!port_text.empty() && port_text.back() == '/') port_text.remove_suffix(1);
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  constexpr unsigned kMaxPort = 65535;
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port == 0 ||
      port > kMaxPort) {
    return Status::InvalidArgument("bad port in address: " + std::string(host_port));
  }
  if (host == "localhost") host = "127.0.0.1";
  Endpoint ep;
  ep.text = std::string(host_port);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ep.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ep.addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    ep.len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    ep.len = sizeof(sockaddr_in6);
  } else {
    return Status::InvalidArgument("the proxy and control port must be IP addresses (no DNS): " +
                                   std::string(host_port));
  }
  return ep;
}

class Socket {
 public:
  Socket() = default;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // Connects within the deadline. Errors carry strerror.
  Status Connect(const Endpoint& ep, Clock::time_point deadline) {
    fd_ = ::socket(ep.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return Status::IOError(std::strerror(errno));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&ep.addr), ep.len) == 0)
      return Status::Ok();
    if (errno != EINPROGRESS) return Status::Unavailable(std::strerror(errno));
    LW_RETURN_IF_ERROR(Wait(POLLOUT, deadline));
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return Status::Unavailable(std::strerror(err));
    return Status::Ok();
  }

  Status Send(std::string_view data, Clock::time_point deadline) {
    size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        LW_RETURN_IF_ERROR(Wait(POLLOUT, deadline));
        continue;
      }
      return Status::Unavailable(std::string("send failed: ") + std::strerror(errno));
    }
    return Status::Ok();
  }

  // Reads exactly `n` bytes.
  Result<std::string> ReadExact(size_t n, Clock::time_point deadline) {
    std::string out;
    while (out.size() < n) {
      LW_ASSIGN_OR_RETURN(std::string piece, ReadSome(n - out.size(), deadline));
      out += piece;
    }
    return out;
  }

  // Reads until "\r\n" ends a line that starts with "NNN " (a final control reply line).
  Result<std::string> ReadControlReply(Clock::time_point deadline) {
    constexpr size_t kMaxReply = 64 * 1024;
    std::string out;
    for (;;) {
      if (out.size() >= 2 && out.ends_with("\r\n")) {
        const size_t prev = out.size() < 3 ? std::string::npos : out.rfind("\r\n", out.size() - 3);
        const size_t begin = prev == std::string::npos ? 0 : prev + 2;
        constexpr size_t kStatusAndSpace = 4;
        if (out.size() - begin >= kStatusAndSpace + 2 && out[begin + 3] == ' ') return out;
      }
      if (out.size() > kMaxReply) return Status::TooLarge("control port reply too large");
      LW_ASSIGN_OR_RETURN(std::string piece, ReadSome(4096, deadline));
      out += piece;
    }
  }

 private:
  Result<std::string> ReadSome(size_t max, Clock::time_point deadline) {
    for (;;) {
      std::string buf(max, '\0');
      const ssize_t n = ::recv(fd_, buf.data(), max, 0);
      if (n > 0) {
        buf.resize(static_cast<size_t>(n));
        return buf;
      }
      if (n == 0) return Status::Unavailable("connection closed by peer");
      if (errno != EAGAIN && errno != EINTR) {
        return Status::Unavailable(std::string("receive failed: ") + std::strerror(errno));
      }
      LW_RETURN_IF_ERROR(Wait(POLLIN, deadline));
    }
  }

  Status Wait(short events, Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::Timeout("timed out");
    pollfd p{fd_, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r == 0) return Status::Timeout("timed out");
    if (r < 0 && errno != EINTR) return Status::IOError(std::strerror(errno));
    return Status::Ok();
  }

  int fd_ = -1;
};

Result<std::string> ProxyHostPort(const std::string& proxy_url) {
  constexpr std::string_view kScheme = "socks5h://";
  if (proxy_url.rfind(kScheme, 0) != 0) {
    return Status::InvalidArgument("proxy must be socks5h://HOST:PORT, got: " + proxy_url);
  }
  return proxy_url.substr(kScheme.size());
}

Status SocksHandshake(Socket& s, Clock::time_point deadline) {
  // Offer "no auth" and "username/password" like curl does.
  LW_RETURN_IF_ERROR(s.Send(std::string("\x05\x02\x00\x02", 4), deadline));
  LW_ASSIGN_OR_RETURN(std::string choice, s.ReadExact(2, deadline));
  if (choice[0] != '\x05') return Status::Unavailable("the proxy does not speak SOCKS5");
  if (choice[1] == '\x00') return Status::Ok();
  if (choice[1] != '\x02')
    return Status::Unavailable("the SOCKS5 proxy accepts none of our auth methods");
  const std::string user = "leakwatch-preflight";
  const std::string pass = "preflight";
  std::string auth = "\x01";
  auth += static_cast<char>(user.size());
  auth += user;
  auth += static_cast<char>(pass.size());
  auth += pass;
  LW_RETURN_IF_ERROR(s.Send(auth, deadline));
  LW_ASSIGN_OR_RETURN(std::string verdict, s.ReadExact(2, deadline));
  if (verdict[1] != '\x00')
    return Status::Unavailable("the SOCKS5 proxy refused username/password auth");
  return Status::Ok();
}

Status ControlAuthenticate(Socket& s, const ControlPortOptions& control,
                           Clock::time_point deadline) {
  std::string command;
  if (!control.cookie_file.empty()) {
    constexpr uint64_t kCookieBytes = 32;
    LW_ASSIGN_OR_RETURN(std::string cookie,
                        util::ReadFileCapped(control.cookie_file, kCookieBytes));
    command = "AUTHENTICATE " + util::HexEncode(cookie) + "\r\n";
  } else if (!control.password.empty()) {
    std::string quoted;
    for (char c : control.password) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    command = "AUTHENTICATE \"" + quoted + "\"\r\n";
  } else {
    command = "AUTHENTICATE\r\n";
  }
  LW_RETURN_IF_ERROR(s.Send(command, deadline));
  LW_ASSIGN_OR_RETURN(std::string reply, s.ReadControlReply(deadline));
  if (reply.rfind("250", 0) != 0) {
    return Status::PermissionDenied("Tor control port refused authentication: " +
                                    reply.substr(0, reply.find('\r')));
  }
  return Status::Ok();
}

Result<std::pair<int, std::string>> Bootstrap(const ControlPortOptions& control,
                                              Clock::time_point deadline) {
  LW_ASSIGN_OR_RETURN(Endpoint ep, ParseHostPort(control.address));
  Socket s;
  Status st = s.Connect(ep, deadline);
  if (!st.ok()) {
    return Status::Unavailable("Tor control port not reachable at " + ep.text + " (" +
                               st.message() + ")");
  }
  LW_RETURN_IF_ERROR(ControlAuthenticate(s, control, deadline));
  LW_RETURN_IF_ERROR(s.Send("GETINFO status/bootstrap-phase\r\n", deadline));
  LW_ASSIGN_OR_RETURN(std::string reply, s.ReadControlReply(deadline));
  // 250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"
  const size_t at = reply.find("PROGRESS=");
  if (reply.rfind("250", 0) != 0 || at == std::string::npos) {
    return Status::Unavailable("unexpected GETINFO reply from the Tor control port");
  }
  int percent = 0;
  const char* first = reply.data() + at + 9;
  std::from_chars(first, reply.data() + reply.size(), percent);
  std::string summary;
  const size_t sum = reply.find("SUMMARY=\"");
  if (sum != std::string::npos) {
    const size_t end = reply.find('"', sum + 9);
    if (end != std::string::npos) summary = reply.substr(sum + 9, end - sum - 9);
  }
  s.Send("QUIT\r\n", deadline).ok();
  return std::make_pair(percent, summary);
}

}  // namespace

Result<ProxyHealth> CheckProxy(const std::string& proxy_url, const ControlPortOptions& control,
                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  LW_ASSIGN_OR_RETURN(std::string host_port, ProxyHostPort(proxy_url));
  LW_ASSIGN_OR_RETURN(Endpoint ep, ParseHostPort(host_port));
  ProxyHealth health;
  Socket s;
  Status st = s.Connect(ep, deadline);
  if (!st.ok()) {
    return Status::Unavailable("Tor is not reachable at " + ep.text + " (" + st.message() +
                               "): is tor running and is [tor] socks_proxy right?");
  }
  health.tcp_ok = true;
  st = SocksHandshake(s, deadline);
  if (!st.ok()) {
    return Status::Unavailable("the proxy at " + ep.text + " is not a working SOCKS5 proxy (" +
                               st.message() + ")");
  }
  health.socks_ok = true;
  if (!control.address.empty()) {
    LW_ASSIGN_OR_RETURN(auto boot, Bootstrap(control, deadline));
    health.bootstrap_percent = boot.first;
    health.bootstrap_summary = boot.second;
  }
  return health;
}

Status SignalNewnym(const ControlPortOptions& control, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  LW_ASSIGN_OR_RETURN(Endpoint ep, ParseHostPort(control.address));
  Socket s;
  Status st = s.Connect(ep, deadline);
  if (!st.ok()) return Status::Unavailable("Tor control port not reachable at " + ep.text);
  LW_RETURN_IF_ERROR(ControlAuthenticate(s, control, deadline));
  LW_RETURN_IF_ERROR(s.Send("SIGNAL NEWNYM\r\n", deadline));
  LW_ASSIGN_OR_RETURN(std::string reply, s.ReadControlReply(deadline));
  if (reply.rfind("250", 0) != 0) {
    return Status::Unavailable("Tor refused SIGNAL NEWNYM: " + reply.substr(0, reply.find('\r')));
  }
  s.Send("QUIT\r\n", deadline).ok();
  return Status::Ok();
}

}  // namespace leakwatch::crawler
