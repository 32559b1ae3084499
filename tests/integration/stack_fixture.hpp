#pragma once
// The local stack as `scripts/colibri run` lays it out: the groups service,
// a chat gateway and the scheduler (which sends mail to a real local mail
// catcher) on real PostgreSQL and Redis, behind nginx with the
// configuration of deploy/nginx (one origin for the REST API, the WebSocket
// and the static client). Several nginx "fronts" can stand before the same
// services (each its own origin): stopping one cuts only its clients.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "colibri/test/client.hpp"
#include "colibri/test/mail.hpp"
#include "colibri/test/servers.hpp"

namespace colibri::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values)
    for (auto pos = text.find(k); pos != std::string::npos; pos = text.find(k, pos + v.size()))
      text.replace(pos, k.size(), v);
  return text;
}

// One nginx, in the foreground, in its own folder; start() again after stop()
// listens on the same port.
class front {
 public:
  // Per-address limits as scripts/colibri sets them, unless a test narrows them.
  front(unsigned short port, unsigned short groups_port, unsigned short chat_port,
        std::string conn_per_address = "1000", std::string api_rate = "100", std::string api_burst = "400")
      : port_(port) {
    // The checkout's client and site, or an installed tree's
    // (COLIBRI_SHARE_DIR: share/colibri of `cmake --install`, as
    // tests/script/install_check.sh runs this suite).
    const char* share = std::getenv("COLIBRI_SHARE_DIR");
    std::string web = share && *share ? std::string(share) + "/web" : std::string(COLIBRI_SOURCE_DIR) + "/services/web";
    std::string site =
        share && *share ? std::string(share) + "/nginx" : std::string(COLIBRI_SOURCE_DIR) + "/deploy/nginx";
    std::string d = dir_.path();
    // The client is copied beside nginx, as scripts/colibri installs it: the
    // checkout may sit where the unprivileged nginx cannot reach (/root).
    std::filesystem::copy(web, d + "/web", std::filesystem::copy_options::recursive);
    std::map<std::string, std::string> values = {{"@LOCAL@", d},
                                                 {"@WEB_ROOT@", d + "/web"},
                                                 {"@HTTP_PORT@", std::to_string(port)},
                                                 {"@GROUPS_PORT@", std::to_string(groups_port)},
                                                 {"@CHAT_PORT@", std::to_string(chat_port)},
                                                 {"@CONN_PER_ADDRESS@", conn_per_address},
                                                 {"@API_RATE@", api_rate},
                                                 {"@API_BURST@", api_burst}};
    for (auto sub : {"/nginx/tmp", "/run", "/log"}) std::filesystem::create_directories(d + sub);
    std::ofstream(d + "/nginx/nginx.conf") << fill(read_file(site + "/nginx.local.conf.in"), values);
    std::ofstream(d + "/nginx/colibri.conf") << fill(read_file(site + "/colibri.conf"), values);
    run_checked({"chmod", "-R", "a+rwX", d});
    start();
  }
  ~front() { stop(); }
  void start() {
    std::string d = dir_.path();
    proc_ =
        process(as_run_user({"nginx", "-p", d + "/nginx", "-c", d + "/nginx/nginx.conf"}), {}, d + "/nginx-stdout.log");
    for (int i = 0; i < 200 && !tcp_port_open(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (!tcp_port_open(port_))
      throw std::runtime_error("nginx did not start: " + proc_.log_tail() + read_file(d + "/log/nginx-error.log"));
  }
  // Fast shutdown: every connection through this front is cut at once.
  void stop() { proc_.stop(SIGTERM); }
  unsigned short port() const { return port_; }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string access_log() const { return read_file(dir_.path() + "/log/nginx-access.log"); }
  std::string error_log() const { return read_file(dir_.path() + "/log/nginx-error.log"); }

 private:
  temp_dir dir_;
  unsigned short port_;
  process proc_;
};

class stack_fixture : public ::testing::Test {
 protected:
  // How many fronts (origins) the test wants.
  virtual int fronts() const { return 1; }

  void SetUp() override {
    db_url_ = shared_postgres().create_database();
    db_name_ = db_url_.substr(db_url_.rfind('/') + 1);
    auto env = service_env(db_url_, shared_redis().port());
    std::vector<unsigned short> ports;
    std::string origins;
    for (int i = 0; i < fronts(); ++i) {
      ports.push_back(free_port());
      origins += (i ? "," : "") + std::string("http://127.0.0.1:") + std::to_string(ports.back());
    }
    env["COLIBRI_ALLOWED_ORIGINS"] = origins;
    env["COLIBRI_SEED_GROUPS"] = "false";
    env["COLIBRI_PUBLIC_URL"] = "http://127.0.0.1:" + std::to_string(ports.front());
    env["COLIBRI_SMTP_URL"] = mail_.url();
    env["COLIBRI_MAIL_POLL_MS"] = "200";
    groups_ = std::make_unique<service_process>("groups", env, free_port());
    chat_ = std::make_unique<service_process>("chat", env, free_port());
    badges_ = std::make_unique<service_process>("badges", env, free_port());
    groups_->wait_healthy();
    chat_->wait_healthy();
    badges_->wait_healthy();
    for (auto p : ports) fronts_.push_back(std::make_unique<front>(p, groups_->port(), chat_->port()));
    http_port_ = ports.front();
  }

  std::string sql(const std::string& q) { return shared_postgres().psql(db_name_, q); }

  mail_catcher mail_;
  std::string db_url_, db_name_;
  unsigned short http_port_ = 0;
  std::unique_ptr<service_process> groups_, chat_, badges_;
  std::vector<std::unique_ptr<front>> fronts_;
};

}  // namespace colibri::test
