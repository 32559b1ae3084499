#include "colibri/test/process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace colibri::test {

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string run_user() {
  if (::geteuid() != 0) return {};
  const char* u = std::getenv("COLIBRI_TEST_RUN_USER");
  std::string user = u && *u ? u : "colibri";
  if (!::getpwnam(user.c_str()))
    throw std::runtime_error("running as root needs the unprivileged user '" + user +
                             "' (scripts/colibri test creates it, or set COLIBRI_TEST_RUN_USER)");
  return user;
}

std::vector<std::string> as_run_user(std::vector<std::string> argv) {
  auto user = run_user();
  if (user.empty()) return argv;
  std::vector<std::string> out{"setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

namespace {
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::string& log) {
  std::vector<std::string> envs;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos && env.count(kv.substr(0, eq))) continue;
    envs.push_back(kv);
  }
  for (auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> av, ev;
  for (auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  for (auto& e : envs) ev.push_back(const_cast<char*>(e.c_str()));
  ev.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::setpgid(0, 0);
    // If the test binary dies (crash, timeout), its servers die with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = ::open(log.empty() ? "/dev/null" : log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::execvpe(av[0], av.data(), ev.data());
    std::fprintf(stderr, "exec %s failed: %s\n", av[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}
}  // namespace

std::string run_checked(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  char tmpl[] = "/tmp/colibri-cmd-XXXXXX";
  int fd = ::mkstemp(tmpl);
  ::close(fd);
  ::chmod(tmpl, 0666);
  std::string log = tmpl;
  process p(argv, {}, log);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = -1;
  for (;;) {
    pid_t r = ::waitpid(p.pid(), &status, WNOHANG);
    if (r == p.pid()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      p.stop(9);
      throw std::runtime_error("timed out: " + argv[0]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(log);
  p.forget();  // already reaped
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (auto& a : argv) cmd += a + " ";
    throw std::runtime_error("command failed: " + cmd + "\n" + ss.str());
  }
  return ss.str();
}

temp_dir::temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string t = std::string(base && *base ? base : "/tmp") + "/colibri-test-XXXXXX";
  std::vector<char> buf(t.begin(), t.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
  if (auto user = run_user(); !user.empty()) {
    auto pw = ::getpwnam(user.c_str());
    if (::chown(path_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown failed");
  }
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

process::process(std::vector<std::string> argv, std::map<std::string, std::string> env, std::string log_file)
    : pid_(spawn(argv, env, log_file)), log_(std::move(log_file)) {}

process::~process() {
  if (pid_ > 0) stop(9, std::chrono::seconds(5));
}

process::process(process&& o) noexcept : pid_(o.pid_), log_(std::move(o.log_)) { o.pid_ = -1; }

process& process::operator=(process&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) stop(9, std::chrono::seconds(5));
    pid_ = o.pid_;
    log_ = std::move(o.log_);
    o.pid_ = -1;
  }
  return *this;
}

bool process::running() {
  if (pid_ <= 0) return false;
  int status;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int process::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
  return status;
}

std::string process::log_tail(std::size_t bytes) const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  return s.size() > bytes ? s.substr(s.size() - bytes) : s;
}

}  // namespace colibri::test
