// End-to-end through nginx with the configuration the local stack uses
// (deploy/nginx/*): one origin for the REST API, the WebSocket and the static
// client.
#include <thread>

#include "stack_fixture.hpp"

using namespace colibri::test;

namespace {

using Stack = stack_fixture;

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

TEST_F(Stack, NginxLimitsRequestsAndConnectionsPerAddressInTheContractsFormat) {
  // F20: nginx had no limit_conn or limit_req: one address could fill it.
  front tight(free_port(), groups_->port(), chat_->port(), "3", "1", "2");
  int limited = 0;
  http_result last;
  for (int i = 0; i < 10; ++i) {
    auto r = http_get(tight.port(), "/api/v1/me");
    if (r.status == 429) {
      ++limited;
      last = r;
    }
  }
  EXPECT_GE(limited, 5);
  EXPECT_EQ(json_at(last.body, "error.code"), "rate_limited");
  EXPECT_FALSE(last.header("retry-after").empty());
  // Connections: three sockets from this address, not a fourth.
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the request budget refills
  std::vector<std::unique_ptr<ws_client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<ws_client>(tight.port(), "/ws"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ASSERT_TRUE(held.back()->open()) << i << " " << held.back()->handshake_status();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ws_client fourth(tight.port(), "/ws");
  EXPECT_FALSE(fourth.open());
  EXPECT_EQ(fourth.handshake_status(), 429);
}

TEST_F(Stack, NginxsAccessLogNeverHoldsAnInvitationCode) {
  // Audit F22: the accept path's code was logged, and a failed accept
  // leaves it valid.
  auto reg = [&](const std::string& who) {
    auto r = http_call(http_port_, "POST", "/api/v1/auth/register",
                       R"({"email":")" + who + R"(@example.fr","password":"un mot de passe","handle":")" + who + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::pair{*json_at(r.body, "token"), *json_at(r.body, "user.id")};
  };
  auto [admin, admin_id] = reg("admin");
  sql("UPDATE users SET is_admin = true WHERE id = " + admin_id);
  auto auth = [](const std::string& t) { return std::map<std::string, std::string>{{"Authorization", "Bearer " + t}}; };
  auto g = http_call(http_port_, "POST", "/api/v1/groups",
                     R"({"name":"Sur invitation","join_policy":"invite","visibility":"hidden"})", auth(admin));
  ASSERT_EQ(g.status, 201) << g.body;
  auto inv = http_call(http_port_, "POST", "/api/v1/groups/" + *json_at(g.body, "group.id") + "/invitations", "{}",
                       auth(admin));
  ASSERT_EQ(inv.status, 201) << inv.body;
  auto code = *json_at(inv.body, "invitation.code");
  auto [guest, guest_id] = reg("invitee");
  EXPECT_EQ(http_call(http_port_, "POST", "/api/v1/invitations/" + code + "/accept", "{}", auth(guest)).status, 201);
  // nginx writes the line once the response is out: wait for it (bounded).
  std::string log;
  for (int i = 0; i < 100 && log.find("/accept") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log = fronts_[0]->access_log();
  }
  EXPECT_NE(log.find("/api/v1/invitations/{code}/accept"), std::string::npos) << log;
  EXPECT_EQ(log.find(code), std::string::npos) << log;
}

}  // namespace
