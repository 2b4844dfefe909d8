#include "tests/support/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace leakwatch::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";
// Runs `python3 -m aiosmtpd ARGS...` after asking the kernel to SIGKILL it when the test
// process dies (prctl PR_SET_PDEATHSIG), so a crashed test leaves no server behind;
// argv[1] is the test's pid, to close the race with a parent that died already.
constexpr char kLauncher[] =
    "import ctypes, os, runpy, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)\n"
    "if os.getppid() != int(sys.argv[1]): sys.exit(1)\n"
    "sys.argv = ['aiosmtpd'] + sys.argv[2:]\n"
    "runpy.run_module('aiosmtpd', run_name='__main__', alter_sys=True)\n";
constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(5);

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool Accepts(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in addr = Loopback(port);
  const bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string DecodeBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), " \t\r\n", &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return "";
  }
  out.resize(length);
  return out;
}

}  // namespace

uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot bind 127.0.0.1:0");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

SilentListener::SilentListener() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr = Loopback(0);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(fd_, 16) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error("cannot listen on 127.0.0.1:0");
  }
  port_ = ntohs(addr.sin_port);
}

SilentListener::~SilentListener() { close(fd_); }

bool SilentListener::WaitForConnection(std::chrono::milliseconds timeout) const {
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

std::string StoredMail::Header(std::string_view name) const {
  const std::string wanted = Lower(name) + ":";
  const std::string headers = data.substr(0, data.find("\n\n"));
  std::istringstream lines(headers);
  std::string line;
  std::string value;
  bool in_wanted = false;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (in_wanted) value += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    if (in_wanted) return value;
    if (Lower(line.substr(0, wanted.size())) == wanted) {
      in_wanted = true;
      const size_t start = line.find_first_not_of(' ', wanted.size());
      value = start == std::string::npos ? "" : line.substr(start);
    }
  }
  return in_wanted ? value : "";
}

std::string StoredMail::PlainText() const {
  const std::string lower = Lower(data);
  const size_t type = lower.find("content-type: text/plain");
  if (type == std::string::npos) return "";
  size_t body = data.find("\n\n", type);
  if (body == std::string::npos) return "";
  const bool base64 = lower.substr(type, body - type).find("content-transfer-encoding: base64") !=
                      std::string::npos;
  body += 2;
  size_t end = data.find("\n--", body);
  if (end == std::string::npos) end = data.size();
  const std::string_view part(data.data() + body, end - body);
  return base64 ? DecodeBase64(part) : std::string(part);
}

SmtpServer::SmtpServer(const std::filesystem::path& maildir, uint16_t port)
    : maildir_(maildir), port_(port == 0 ? FreeLoopbackPort() : port) {
  std::filesystem::create_directories(maildir_.parent_path());
  const std::string listen = "127.0.0.1:" + std::to_string(port_);
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kPython, "-c", kLauncher, std::to_string(getpid()), "-n", "-l",
                               listen, "-c", "aiosmtpd.handlers.Mailbox", maildir_.string()},
      maildir_.parent_path() / ("aiosmtpd-" + std::to_string(port_) + ".log"),
      EnvOverrides{"PYTHONDONTWRITEBYTECODE=1"});
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!Accepts(port_)) {
    if (process_->Poll()) {
      throw std::runtime_error("aiosmtpd exited at start (is python3-aiosmtpd installed? is " +
                               listen + " taken?)");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("aiosmtpd not listening on " + listen);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

SmtpServer::~SmtpServer() {
  process_->Kill(SIGTERM);
  if (!process_->WaitFor(std::chrono::duration_cast<std::chrono::milliseconds>(kStopTimeout))) {
    process_->Kill(SIGKILL);
    process_->Wait();
  }
}

std::string SmtpServer::Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

std::vector<StoredMail> SmtpServer::Messages() const {
  // Maildir names start "<seconds>.M<microseconds>P<pid>...": delivery time order.
  std::vector<std::pair<std::pair<long long, long long>, std::filesystem::path>> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(maildir_ / "new", ec)) {
    const std::string name = entry.path().filename().string();
    long long seconds = 0;
    long long micros = 0;
    std::istringstream fields(name);
    char dot = 0;
    char m = 0;
    fields >> seconds >> dot >> m >> micros;
    files.push_back({{seconds, micros}, entry.path()});
  }
  std::sort(files.begin(), files.end());
  std::vector<StoredMail> mails;
  for (const auto& file : files) mails.push_back(StoredMail{ReadWhole(file.second)});
  return mails;
}

std::vector<StoredMail> SmtpServer::MessagesTo(std::string_view recipient) const {
  std::vector<StoredMail> out;
  for (StoredMail& mail : Messages()) {
    if (mail.Header("X-RcptTo") == recipient) out.push_back(std::move(mail));
  }
  return out;
}

}  // namespace leakwatch::testing
