// demo/internal/io_runner: an io_context with its own threads, stopped and joined on
// destruction. Shared by the SOCKS5 gateway and the fixture servers.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace leakwatch::demo::detail {

class IoRunner {
 public:
  explicit IoRunner(int threads) : io_(threads < 1 ? 1 : threads), threads_wanted_(threads) {}
  ~IoRunner() { Stop(); }
  IoRunner(const IoRunner&) = delete;
  IoRunner& operator=(const IoRunner&) = delete;

  boost::asio::io_context& io() { return io_; }

  void Run() {
    guard_.emplace(io_.get_executor());
    const int n = threads_wanted_ < 1 ? 1 : threads_wanted_;
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        try {
          io_.run();
        } catch (...) {
          // A handler threw: the fixture is test infrastructure; keep the thread quiet.
        }
      });
    }
  }

  // Stops the loop and joins the threads. Idempotent; not callable from an io thread.
  void Stop() {
    guard_.reset();
    io_.stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
    threads_.clear();
  }

 private:
  boost::asio::io_context io_;
  int threads_wanted_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace leakwatch::demo::detail
