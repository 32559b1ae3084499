#include "colibri/core/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace colibri::core {
namespace {

TEST(Metrics, RendersEachMetricInPrometheusTextFormatReadWhenScraped) {
  metrics m;
  std::atomic<long> sent{0};
  m.add(metrics::kind::counter, "colibri_chat_acks_total", "Messages acked.", [&] { return double(sent.load()); });
  m.add(metrics::kind::gauge, "colibri_pg_up", "1 when PostgreSQL answers.", [] { return 1.0; });
  m.add(metrics::kind::gauge, "colibri_ratio", "A fraction.", [] { return 0.25; });
  sent = 41;
  ++sent;
  EXPECT_EQ(m.render(),
            "# HELP colibri_chat_acks_total Messages acked.\n"
            "# TYPE colibri_chat_acks_total counter\n"
            "colibri_chat_acks_total 42\n"
            "# HELP colibri_pg_up 1 when PostgreSQL answers.\n"
            "# TYPE colibri_pg_up gauge\n"
            "colibri_pg_up 1\n"
            "# HELP colibri_ratio A fraction.\n"
            "# TYPE colibri_ratio gauge\n"
            "colibri_ratio 0.25\n");
}

}  // namespace
}  // namespace colibri::core
