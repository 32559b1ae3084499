// End-to-end: the chat gateway's handshake, origin check, limits and
// revocation, against the real groups and chat binaries.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <sstream>
#include <thread>

#include "colibri/test/client.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri::test;

namespace {

class ChatGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = shared_postgres().create_database();
    auto env = service_env(db_, shared_redis().port());
    groups_ = std::make_unique<service_process>("groups", env, free_port());
    groups_->wait_healthy();
    start_chat({});
  }

  void start_chat(std::map<std::string, std::string> extra) {
    auto env = service_env(db_, shared_redis().port());
    env["COLIBRI_ALLOWED_ORIGINS"] = "http://127.0.0.1:8080,http://localhost:8080";
    for (auto& [k, v] : extra) env[k] = v;
    chat_.reset();
    chat_ = std::make_unique<service_process>("chat", env, free_port());
    chat_->wait_healthy();
  }

  std::string token(const std::string& email = "nora@example.fr", const std::string& handle = "Nora") {
    auto r = http_call(groups_->port(), "POST", "/api/v1/auth/register",
                       R"({"email":")" + email + R"(","password":"un mot de passe","handle":")" + handle + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return json_at(r.body, "token").value_or("");
  }

  std::unique_ptr<ws_client> hello(const std::string& tok) {
    auto c = std::make_unique<ws_client>(chat_->port(), "/ws", "http://127.0.0.1:8080");
    EXPECT_TRUE(c->open());
    c->send(R"({"type":"hello","id":"h1","token":")" + tok + R"("})");
    auto w = c->read();
    EXPECT_TRUE(w && json_at(*w, "type") == "welcome") << w.value_or("(nothing)");
    return c;
  }

  std::string db_;
  std::unique_ptr<service_process> groups_;
  std::unique_ptr<service_process> chat_;
};

TEST_F(ChatGateway, GoodTokenIsWelcomed) {
  auto tok = token();
  ws_client c(chat_->port(), "/ws", "http://127.0.0.1:8080");
  ASSERT_TRUE(c.open());
  c.send(R"({"type":"hello","id":7,"token":")" + tok + R"("})");
  auto w = c.read();
  ASSERT_TRUE(w);
  EXPECT_EQ(json_at(*w, "type"), "welcome");
  EXPECT_EQ(json_at(*w, "id"), "7");
  EXPECT_EQ(json_at(*w, "user.handle"), "Nora");
  EXPECT_EQ(json_at(*w, "limits.max_body_code_points"), "4000");
  EXPECT_TRUE(json_at(*w, "server_time").has_value());
  EXPECT_EQ(w->find("email"), std::string::npos);
}

TEST_F(ChatGateway, BadTokenIsClosedWith4003) {
  ws_client c(chat_->port(), "/ws", "http://127.0.0.1:8080");
  ASSERT_TRUE(c.open());
  c.send(R"({"type":"hello","token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})");
  auto e = c.read();
  ASSERT_TRUE(e);
  EXPECT_EQ(json_at(*e, "type"), "error");
  EXPECT_EQ(json_at(*e, "code"), "unauthenticated");
  EXPECT_EQ(json_at(*e, "fatal"), "true");
  EXPECT_EQ(c.wait_closed().code, 4003);
}

TEST_F(ChatGateway, OriginOutsideTheAllowListIsRefusedAtUpgrade) {
  ws_client evil(chat_->port(), "/ws", "http://evil.example");
  EXPECT_FALSE(evil.open());
  EXPECT_EQ(evil.handshake_status(), 403);
  ws_client ok(chat_->port(), "/ws", "http://localhost:8080");
  EXPECT_TRUE(ok.open());
  ws_client wrong_path(chat_->port(), "/not-ws", "http://localhost:8080");
  EXPECT_EQ(wrong_path.handshake_status(), 404);
}

TEST_F(ChatGateway, NoHelloInTimeClosesWith4001) {
  start_chat({{"COLIBRI_HELLO_TIMEOUT_SECONDS", "1"}});
  ws_client c(chat_->port(), "/ws", "http://127.0.0.1:8080");
  ASSERT_TRUE(c.open());
  EXPECT_EQ(c.wait_closed().code, 4001);
}

TEST_F(ChatGateway, BadFramesGetErrorsAndTheSocketStaysUsable) {
  auto tok = token();
  ws_client c(chat_->port(), "/ws", "http://127.0.0.1:8080");
  ASSERT_TRUE(c.open());
  c.send("this is not json");
  EXPECT_EQ(json_at(c.read().value_or(""), "code"), "invalid_json");
  c.send("[1,2,3]");
  EXPECT_EQ(json_at(c.read().value_or(""), "code"), "invalid_json");
  c.send(R"({"type":"subscribe","room":"group:1"})");
  EXPECT_EQ(json_at(c.read().value_or(""), "code"), "unauthenticated");
  c.send(R"({"type":"hello","id":"x","token":12})");
  auto typed = c.read().value_or("");
  EXPECT_EQ(json_at(typed, "code"), "validation_failed");
  EXPECT_EQ(json_at(typed, "field"), "token");
  EXPECT_EQ(json_at(typed, "id"), "x");
  // Invalid UTF-8 inside a valid frame: a lone surrogate escape.
  c.send(R"({"type":"hello","token":"\ud800"})");
  EXPECT_EQ(json_at(c.read().value_or(""), "code"), "invalid_json");
  c.send(R"({"type":"hello","id":1e400,"token":"x"})");
  EXPECT_EQ(json_at(c.read().value_or(""), "code"), "invalid_json");
  // Still usable: the real hello is welcomed.
  c.send(R"({"type":"hello","token":")" + tok + R"("})");
  EXPECT_EQ(json_at(c.read().value_or(""), "type"), "welcome");
  c.send(R"({"type":"no-such-type"})");
  auto unknown = c.read().value_or("");
  EXPECT_EQ(json_at(unknown, "code"), "validation_failed");
  EXPECT_EQ(json_at(unknown, "field"), "type");
}

TEST_F(ChatGateway, ATextFrameThatIsNotUtf8ClosesWith1007) {
  // RFC 6455 8.1: a text frame must be UTF-8; Beast fails the connection.
  ws_client c(chat_->port(), "/ws", "http://127.0.0.1:8080");
  ASSERT_TRUE(c.open());
  c.send("{\"type\":\"hello\",\"token\":\"\xC3\x28\"}");
  EXPECT_EQ(c.wait_closed().code, 1007);
}

TEST_F(ChatGateway, OversizedFrameClosesWith1009) {
  start_chat({{"COLIBRI_WS_MAX_FRAME_BYTES", "1024"}});
  ws_client c(chat_->port(), "/ws", "http://127.0.0.1:8080");
  ASSERT_TRUE(c.open());
  c.send(R"({"type":"hello","token":")" + std::string(4000, 'a') + R"("})");
  EXPECT_EQ(c.wait_closed().code, 1009);
}

TEST_F(ChatGateway, LogoutClosesTheSocketsOpenedWithThatToken) {
  auto tok = token();
  auto other = token("omar@example.fr", "Omar");
  auto a = hello(tok);
  auto b = hello(other);
  auto r = http_call(groups_->port(), "POST", "/api/v1/auth/logout", "", {{"Authorization", "Bearer " + tok}});
  ASSERT_EQ(r.status, 204);
  EXPECT_EQ(a->wait_closed().code, 4003);
  // The other person's socket stays open (nothing arrives, nothing closes it).
  EXPECT_FALSE(b->read(std::chrono::milliseconds(500)));
  EXPECT_FALSE(b->closed());
}

// /metrics on its own port (COLIBRI_METRICS_LISTEN), in Prometheus' text
// format, counting what happened; the public port has no /metrics.
TEST_F(ChatGateway, MetricsOnTheInternalPortCountConnectionsAndAcks) {
  auto metrics_port = free_port();
  start_chat({{"COLIBRI_METRICS_LISTEN", "127.0.0.1:" + std::to_string(metrics_port)}});
  auto tok = token();
  auto db = db_.substr(db_.rfind('/') + 1);
  auto gid = shared_postgres().psql(db, "INSERT INTO groups (name) VALUES ('mesures') RETURNING id");
  gid.erase(gid.find_last_not_of("\n ") + 1);
  shared_postgres().psql(db, "INSERT INTO memberships (group_id, user_id) SELECT " + gid +
                                 ", id FROM users WHERE email = 'nora@example.fr'");
  auto c = hello(tok);
  for (int i = 0; i < 3; ++i) {
    c->send(R"({"type":"send","room":"group:)" + gid + R"(","body":"Trois jours sans fumer","client_msg_id":"m)" +
            std::to_string(i) + "\"}");
    ASSERT_TRUE(c->read_until("\"ack\""));
  }
  auto r = http_get(metrics_port, "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("# TYPE colibri_chat_acks_total counter\ncolibri_chat_acks_total 3\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\ncolibri_chat_connections 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\ncolibri_pg_up 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\ncolibri_redis_up 1\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\ncolibri_pg_pool_size "), std::string::npos) << r.body;
  // welcome, then per send its ack (and the own event when subscribed): at least four frames.
  auto frames_at = r.body.find("\ncolibri_chat_frames_sent_total ");
  ASSERT_NE(frames_at, std::string::npos) << r.body;
  auto frames = std::stoll(r.body.substr(frames_at + 32));
  EXPECT_GE(frames, 4);
  // Every line is a comment or "name value".
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);)
    EXPECT_TRUE(line.starts_with("# HELP colibri_") || line.starts_with("# TYPE colibri_") ||
                (line.starts_with("colibri_") && line.find(' ') != std::string::npos))
        << line;
  EXPECT_EQ(http_get(chat_->port(), "/metrics").status, 404);
  // A socket that leaves keeps its frames in the count.
  c.reset();
  std::string after;
  for (int i = 0; i < 100; ++i) {
    after = http_get(metrics_port, "/metrics").body;
    if (after.find("\ncolibri_chat_connections 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(after.find("\ncolibri_chat_connections 0\n"), std::string::npos) << after;
  auto left_at = after.find("\ncolibri_chat_frames_sent_total ");
  ASSERT_NE(left_at, std::string::npos);
  EXPECT_EQ(std::stoll(after.substr(left_at + 32)), frames);
}

TEST_F(ChatGateway, SigtermClosesSocketsWith1001) {
  auto c = hello(token());
  chat_->proc().signal(SIGTERM);
  EXPECT_EQ(c->wait_closed().code, 1001);
  EXPECT_EQ(chat_->proc().stop(SIGTERM, std::chrono::seconds(10)), 0);
}

}  // namespace
