// End-to-end through nginx with the configuration the local stack uses
// (deploy/nginx/*): one origin for the REST API, the WebSocket and the static
// client.
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

}  // namespace
