// End-to-end through nginx with the configuration the local stack uses
// (deploy/nginx/*): one origin for the REST API, the WebSocket and the static
// client.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "colibri/test/client.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri::test;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string fill(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [k, v] : values)
    for (auto pos = text.find(k); pos != std::string::npos; pos = text.find(k, pos + v.size())) text.replace(pos, k.size(), v);
  return text;
}

class Stack : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = shared_postgres().create_database();
    auto env = service_env(db, shared_redis().port());
    http_port_ = free_port();
    env["COLIBRI_ALLOWED_ORIGINS"] = "http://127.0.0.1:" + std::to_string(http_port_);
    groups_ = std::make_unique<service_process>("groups", env, free_port());
    chat_ = std::make_unique<service_process>("chat", env, free_port());
    groups_->wait_healthy();
    chat_->wait_healthy();

    std::string src = COLIBRI_SOURCE_DIR;
    std::string d = dir_.path();
    std::map<std::string, std::string> values = {{"@LOCAL@", d},
                                                 {"@WEB_ROOT@", src + "/services/web"},
                                                 {"@HTTP_PORT@", std::to_string(http_port_)},
                                                 {"@GROUPS_PORT@", std::to_string(groups_->port())},
                                                 {"@CHAT_PORT@", std::to_string(chat_->port())}};
    for (auto sub : {"/nginx/tmp", "/run", "/log"}) std::filesystem::create_directories(d + sub);
    std::ofstream(d + "/nginx/nginx.conf") << fill(read_file(src + "/deploy/nginx/nginx.local.conf.in"), values);
    std::ofstream(d + "/nginx/colibri.conf") << fill(read_file(src + "/deploy/nginx/colibri.conf"), values);
    run_checked({"chmod", "-R", "a+rwX", d});
    // The local configuration runs nginx as one foreground process: this test owns it.
    nginx_ = process(as_run_user({"nginx", "-p", d + "/nginx", "-c", d + "/nginx/nginx.conf"}), {},
                     d + "/nginx-stdout.log");
    for (int i = 0; i < 200 && !tcp_port_open(http_port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_TRUE(tcp_port_open(http_port_)) << nginx_.log_tail() << read_file(d + "/log/nginx-error.log");
  }
  void TearDown() override { nginx_.stop(SIGTERM); }

  temp_dir dir_;
  unsigned short http_port_ = 0;
  std::unique_ptr<service_process> groups_, chat_;
  process nginx_;
};

TEST_F(Stack, OneOriginServesApiWebSocketAndStaticFiles) {
  auto page = http_get(http_port_, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("lang=\"fr\""), std::string::npos);
  EXPECT_EQ(http_get(http_port_, "/readyz").status, 200);

  auto reg = http_call(http_port_, "POST", "/api/v1/auth/register",
                       R"({"email":"via@example.fr","password":"un mot de passe","handle":"Via Nginx"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto token = *json_at(reg.body, "token");
  EXPECT_EQ(http_get(http_port_, "/api/v1/me", {{"Authorization", "Bearer " + token}}).status, 200);

  // The service's own 413, in the contract's format, passes through nginx.
  auto big = http_call(http_port_, "POST", "/api/v1/auth/register", std::string(70 * 1024, ' ') + "{}");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(json_at(big.body, "error.code"), "payload_too_large");

  ws_client ws(http_port_, "/ws", "http://127.0.0.1:" + std::to_string(http_port_));
  ASSERT_TRUE(ws.open()) << ws.handshake_status();
  ws.send(R"({"type":"hello","token":")" + token + R"("})");
  EXPECT_EQ(json_at(ws.read().value_or(""), "type"), "welcome");

  ws_client evil(http_port_, "/ws", "http://evil.example");
  EXPECT_EQ(evil.handshake_status(), 403);
}

TEST_F(Stack, AServiceDownIsAnUnavailableErrorNotAnHtmlPage) {
  groups_.reset();
  auto r = http_get(http_port_, "/api/v1/me");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json_at(r.body, "error.code"), "unavailable");
  EXPECT_FALSE(r.header("retry-after").empty());
}

}  // namespace
