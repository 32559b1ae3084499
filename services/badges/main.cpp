// colibri-badges: the scheduler (leader-elected through PostgreSQL), which
// also sends the mail outbox; every instance sends queued pushes.
#include "colibri/badges/pushes.hpp"
#include "colibri/badges/scheduler.hpp"
#include "colibri/http/health.hpp"
#include "colibri/json/writer.hpp"
#include "colibri/mail/mail.hpp"
#include "colibri/service/runtime.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("badges", argc, argv, [](core::config& cfg) {
    auto common = service::read_common(cfg, "badges", "127.0.0.1:8083");
    auto ss = badges::read_scheduler_settings(cfg);
    auto ms = mail::read_sender_settings(cfg);
    auto ps = badges::read_push_settings(cfg, ss.public_url);
    service::finish_config(cfg);

    service::runtime rt(common);
    rt.migrate();
    core::system_clock real_clock;
    std::optional<core::accelerated_clock> fast;
    if (ss.clock_start) fast.emplace(*ss.clock_start, ss.clock_factor);
    const core::clock& clock = fast ? static_cast<const core::clock&>(*fast) : real_clock;
    badges::scheduler sched(common.pg.url, &rt.publisher(), clock, ss);
    sched.start();
    mail::outbox_sender mailer(
        common.pg.url, [&sched] { return sched.leader(); }, ms);
    mailer.start();
    badges::push_worker pusher(common.pg.url, clock, ps);
    pusher.start();

    http::router routes;
    http::add_health_routes(routes, "badges", rt.readiness(false));
    routes.get("/leader", [&sched](http::request&) -> awaitable<http::response> {
      json::writer w;
      w.begin_object().field("leader", sched.leader()).end_object();
      co_return http::response::json(200, w.release());
    });
    http::server server(rt.io(), common.http, routes);
    auto stop = [&] {
      pusher.stop();
      mailer.stop();
      sched.stop();
    };
    int rc = rt.run(server, stop);
    stop();
    return rc;
  });
}
