#include <gtest/gtest.h>

#include "colibri/pg/pool.hpp"
#include "colibri/pg/sql_array.hpp"

using colibri::pg::with_connect_timeout;

TEST(PgUrl, AddsConnectTimeoutAndKeepalivesToUrlsAndConninfo) {
  // A server that stops answering is given up on by the client, not only a
  // refused connection (F24).
  const std::string ka =
      "keepalives=1&keepalives_idle=5&keepalives_interval=2&keepalives_count=3&tcp_user_timeout=10000";
  EXPECT_EQ(with_connect_timeout("postgresql://u@127.0.0.1:5432/db", 2, "svc"),
            "postgresql://u@127.0.0.1:5432/db?connect_timeout=2&" + ka + "&application_name=svc");
  EXPECT_EQ(with_connect_timeout("postgresql://u@h/db?sslmode=disable", 3, "svc"),
            "postgresql://u@h/db?sslmode=disable&connect_timeout=3&" + ka + "&application_name=svc");
  EXPECT_EQ(with_connect_timeout("host=h dbname=d connect_timeout=9 keepalives=0", 2, "svc"),
            "host=h dbname=d connect_timeout=9 keepalives=0 keepalives_idle=5 keepalives_interval=2 keepalives_count=3 "
            "tcp_user_timeout=10000 application_name=svc");
}

TEST(PgErrors, ConnectionFailuresAreRecognised) {
  EXPECT_TRUE(colibri::pg::is_connection_error(pqxx::broken_connection("gone")));
  EXPECT_TRUE(colibri::pg::is_connection_error(pqxx::sql_error("x", "q", "57P01")));
  EXPECT_FALSE(colibri::pg::is_connection_error(pqxx::sql_error("x", "q", "23505")));
  EXPECT_FALSE(colibri::pg::is_connection_error(std::runtime_error("other")));
}

TEST(SqlArrays, QuoteAndNull) {
  EXPECT_EQ(colibri::pg::text_array({std::string("a"), std::nullopt, std::string("q\"b\\c,{}")}),
            R"({"a",NULL,"q\"b\\c,{}"})");
  EXPECT_EQ(colibri::pg::bigint_array({1, std::nullopt, -3}), "{1,NULL,-3}");
  EXPECT_EQ(colibri::pg::bool_array({true, false, std::nullopt}), "{t,f,NULL}");
  EXPECT_EQ(colibri::pg::text_array({}), "{}");
}
