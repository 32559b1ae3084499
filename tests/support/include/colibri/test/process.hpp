#pragma once
// Child processes, free ports and temporary folders for integration tests.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace colibri::test {

// A free TCP port on 127.0.0.1 (bound, read, released).
unsigned short free_port();

// As root, servers run as this unprivileged user (PostgreSQL refuses root):
// COLIBRI_TEST_RUN_USER, default "colibri". Empty when not root.
std::string run_user();
// argv prefixed with setpriv when a run user applies.
std::vector<std::string> as_run_user(std::vector<std::string> argv);

// Runs argv to completion; throws with its output when it fails.
std::string run_checked(const std::vector<std::string>& argv, std::chrono::seconds timeout = std::chrono::seconds(120));

class temp_dir {
 public:
  temp_dir();  // under $TMPDIR or /tmp, owned by the run user
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class process {
 public:
  process() = default;
  // env entries are added to (and override) the current environment.
  process(std::vector<std::string> argv, std::map<std::string, std::string> env, std::string log_file);
  ~process();
  process(process&& o) noexcept;
  process& operator=(process&& o) noexcept;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Sends sig, waits up to timeout, then SIGKILL. Returns the exit status
  // (as from waitpid) or -1 if it was already reaped.
  int stop(int sig = 15, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void kill_hard() { stop(9); }
  // The caller reaped it itself.
  void forget() { pid_ = -1; }
  const std::string& log_file() const { return log_; }
  std::string log_tail(std::size_t bytes = 4000) const;

 private:
  pid_t pid_ = -1;
  std::string log_;
};

}  // namespace colibri::test
