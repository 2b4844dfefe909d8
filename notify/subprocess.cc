#include "notify/internal/subprocess.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace leakwatch::notify::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Poll at least this often so that a child which exits while a grandchild keeps its
// output pipe open is still noticed promptly.
constexpr int kPollSliceMs = 50;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

void SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// Spawn attributes and file actions, released on scope exit.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

void RecordExit(int wait_status, ProcessResult& result) {
  if (WIFEXITED(wait_status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.exited = false;
    result.signal = WTERMSIG(wait_status);
  }
}

}  // namespace

Result<ProcessResult> RunProcess(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return Status::InvalidArgument("exec hook: empty command");
  }
  int in_pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
    return Status::IOError(fmt::format("socketpair: {}", std::strerror(errno)));
  }
  Fd stdin_parent(in_pair[0]);
  Fd stdin_child(in_pair[1]);
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::IOError(fmt::format("pipe: {}", std::strerror(errno)));
  }
  Fd out_parent(out_pipe[0]);
  Fd out_child(out_pipe[1]);

  SpawnSetup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, stdin_child.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out_child.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out_child.get(), STDERR_FILENO);
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t all_signals;
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  posix_spawnattr_setsigdefault(&setup.attr, &all_signals);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(
      &setup.attr,
      static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));

  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, spec.argv[0].c_str(), &setup.actions, &setup.attr, argv.data(),
                               envp.data());
  stdin_child.Close();
  out_child.Close();
  if (rc != 0) {
    return Status::IOError(fmt::format("cannot run {}: {}", spec.argv[0], std::strerror(rc)));
  }

  SetNonBlocking(stdin_parent.get());
  SetNonBlocking(out_parent.get());
  ProcessResult result;
  const auto deadline = SteadyClock::now() + spec.timeout;
  size_t written = 0;
  if (spec.stdin_data.empty()) stdin_parent.Close();
  bool reaped = false;
  int wait_status = 0;

  while (true) {
    if (!reaped) {
      const pid_t w = ::waitpid(pid, &wait_status, WNOHANG);
      if (w == pid) reaped = true;
    }
    const auto now = SteadyClock::now();
    if (!reaped && now >= deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      result.timed_out = true;
      reaped = true;
      break;
    }
    pollfd fds[2];
    nfds_t count = 0;
    if (out_parent.valid()) fds[count++] = {out_parent.get(), POLLIN, 0};
    const bool want_write = stdin_parent.valid();
    if (want_write) fds[count++] = {stdin_parent.get(), POLLOUT, 0};
    if (count == 0) {
      if (reaped) break;
      // Output closed but the child still runs: wait for it in short slices.
      ::poll(nullptr, 0, kPollSliceMs);
      continue;
    }
    const auto left_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    const int slice = static_cast<int>(std::clamp<int64_t>(left_ms, 0, kPollSliceMs));
    const int ready = ::poll(fds, count, reaped ? 0 : slice);
    if (ready < 0 && errno != EINTR) break;
    bool drained_output = false;
    for (nfds_t i = 0; i < count && ready > 0; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_parent.get()) {
        char buf[4096];
        const ssize_t n = ::read(out_parent.get(), buf, sizeof(buf));
        if (n > 0) {
          result.output_bytes += static_cast<uint64_t>(n);
          const size_t room = spec.max_output > result.output.size()
                                  ? static_cast<size_t>(spec.max_output - result.output.size())
                                  : 0;
          result.output.append(buf, std::min(room, static_cast<size_t>(n)));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          out_parent.Close();
          drained_output = true;
        }
      } else if (fds[i].fd == stdin_parent.get()) {
        const ssize_t n = ::send(stdin_parent.get(), spec.stdin_data.data() + written,
                                 spec.stdin_data.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) written += static_cast<size_t>(n);
        const bool peer_gone = n < 0 && errno != EAGAIN && errno != EINTR;
        if (written >= spec.stdin_data.size() || peer_gone) stdin_parent.Close();
      }
    }
    // The child is gone and nothing more is readable right now: stop, even if a
    // grandchild still holds the output pipe.
    if (reaped && (ready == 0 || drained_output)) break;
  }
  RecordExit(wait_status, result);
  return result;
}

}  // namespace leakwatch::notify::detail
