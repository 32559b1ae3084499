// colibri-badges: the scheduler (leader-elected through PostgreSQL).
#include <optional>

#include "colibri/badges/scheduler.hpp"
#include "colibri/http/health.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/mail/mail.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("badges", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "badges", "127.0.0.1:8083");
    badges::scheduler_settings ss;
    ss.tick = std::chrono::milliseconds(cfg.integer("COLIBRI_BADGES_TICK_MS", 30000, 100, 3600000));
    ss.daily.morning = std::chrono::minutes(cfg.integer("COLIBRI_CONGRATS_LOCAL_MINUTE", 9 * 60, 0, 24 * 60 - 1));
    // Tests and demonstrations only: a clock that starts at this instant and
    // runs this many times faster (unset: the real time).
    auto clock_start = cfg.str("COLIBRI_CLOCK_START", "");
    auto clock_factor = cfg.integer("COLIBRI_CLOCK_FACTOR", 1, 1, 1000000);
    std::optional<core::time_point> start;
    if (!clock_start.empty()) {
      start = core::parse_rfc3339(clock_start);
      if (!start) cfg.fail("COLIBRI_CLOCK_START", "must be an RFC 3339 time");
    }
    // Mail (the outbox): sent by the leader, through one relay.
    mail::sender_settings ms;
    ms.smtp.url = cfg.str("COLIBRI_SMTP_URL", "", true);
    ms.smtp.from = cfg.str("COLIBRI_MAIL_FROM", ms.smtp.from);
    ms.poll = std::chrono::milliseconds(cfg.integer("COLIBRI_MAIL_POLL_MS", 1000, 50, 600000));
    service::finish_config(cfg);

    service::runtime rt(common);
    rt.migrate();
    core::system_clock real_clock;
    std::optional<core::accelerated_clock> fast;
    if (start) fast.emplace(*start, static_cast<double>(clock_factor));
    const core::clock& clock = fast ? static_cast<const core::clock&>(*fast) : real_clock;
    badges::scheduler sched(common.pg.url, &rt.publisher(), clock, ss);
    sched.start();
    mail::outbox_sender mailer(
        common.pg.url, [&sched] { return sched.leader(); }, ms);
    mailer.start();

    http::router routes;
    http::add_health_routes(routes, "badges", rt.readiness(false));
    routes.get("/leader", [&sched](http::request&) -> awaitable<http::response> {
      json::writer w;
      w.begin_object().field("leader", sched.leader()).end_object();
      co_return http::response::json(200, w.release());
    });
    http::server server(rt.io(), common.http, routes);
    int rc = rt.run(server, [&] {
      mailer.stop();
      sched.stop();
    });
    mailer.stop();
    sched.stop();
    return rc;
  });
}
