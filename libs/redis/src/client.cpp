#include "colibri/redis/client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "colibri/core/log.hpp"
#include "link.hpp"

namespace colibri::redis {
namespace detail {

// Probes after 5 s idle, every 2 s, 3 times: a dead peer is noticed in ~11 s.
void set_keepalive(int fd) {
  int on = 1, idle = 5, interval = 2, count = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

using namespace std::chrono;

// Bridges hiredis's event hooks (addRead/addWrite/cleanup) to Asio waits.
struct watcher : std::enable_shared_from_this<watcher> {
  watcher(const asio::strand<asio::any_io_executor>& strand, redisAsyncContext* ac) : sd(strand, ac->c.fd), ac(ac) {}

  void arm_read() {
    if (dead || reading || !want_read) return;
    reading = true;
    sd.async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
      self->reading = false;
      if (self->dead || ec) return;
      if (self->want_read) redisAsyncHandleRead(self->ac);
      self->arm_read();
    });
  }
  // Commands queued in one turn of the strand leave in one write: hiredis
  // asks for a write per command, the first posts an attempt and the others
  // find it pending. The socket is nearly always writable, so the attempt is
  // made at once; only when the kernel refuses part of it (hiredis asks
  // again from inside the write) does it wait for writability. Waiting each
  // time instead cost an epoll_ctl and a reactor round per command.
  void arm_write() {
    if (dead || writing || !want_write) return;
    writing = true;
    if (!blocked) {
      asio::post(sd.get_executor(), [self = shared_from_this()] {
        self->writing = false;
        if (self->dead || !self->want_write) return;
        self->blocked = true;  // a request from inside the write waits
        redisAsyncHandleWrite(self->ac);
        // Still wanting without having asked again: the connect is still in
        // progress (hiredis returns and expects the next writability).
        if (!self->writing && self->want_write) self->arm_write();
        if (!self->writing) self->blocked = false;
      });
      return;
    }
    sd.async_wait(asio::posix::stream_descriptor::wait_write,
                  [self = shared_from_this()](boost::system::error_code ec) {
                    self->writing = false;
                    self->blocked = false;
                    if (self->dead || ec) return;
                    if (self->want_write) redisAsyncHandleWrite(self->ac);
                    self->arm_write();
                  });
  }

  static void add_read(void* p) {
    auto w = static_cast<watcher*>(p);
    w->want_read = true;
    w->arm_read();
  }
  static void del_read(void* p) { static_cast<watcher*>(p)->want_read = false; }
  static void add_write(void* p) {
    auto w = static_cast<watcher*>(p);
    w->want_write = true;
    w->arm_write();
  }
  static void del_write(void* p) { static_cast<watcher*>(p)->want_write = false; }
  static void cleanup(void* p) {
    auto w = static_cast<watcher*>(p);
    w->dead = true;
    w->want_read = w->want_write = false;
    boost::system::error_code ec;
    w->sd.cancel(ec);
    w->sd.release();  // hiredis closes the fd itself
  }

  asio::posix::stream_descriptor sd;
  redisAsyncContext* ac;
  bool want_read = false, want_write = false, reading = false, writing = false, dead = false;
  bool blocked = false;  // the last write attempt left bytes: wait for writability
};

class connection : public link, public std::enable_shared_from_this<connection> {
 public:
  connection(asio::any_io_executor ex, options opts, mode m)
      : strand_(asio::make_strand(ex)),
        opts_(std::move(opts)),
        mode_(m),
        retry_timer_(strand_),
        heartbeat_timer_(strand_),
        backoff_(opts_.reconnect_min) {}

  void start() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = false;
      self->connect();
      self->heartbeat();
    });
  }

  void stop() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->retry_timer_.cancel();
      self->heartbeat_timer_.cancel();
      if (self->ac_) redisAsyncDisconnect(self->ac_);
    });
  }

  void command(std::vector<std::string> args) override {
    asio::post(strand_, [self = shared_from_this(), a = std::move(args)] {
      if (!self->ac_ || !self->connected_) {
        ++self->dropped_;
        return;
      }
      std::vector<const char*> argv;
      std::vector<size_t> lens;
      for (const auto& x : a) {
        argv.push_back(x.data());
        lens.push_back(x.size());
      }
      redisAsyncCommandArgv(self->ac_, &connection::on_command_reply, nullptr, static_cast<int>(a.size()), argv.data(),
                            lens.data());
    });
  }

  void call(std::vector<std::string> args, milliseconds timeout, reply_fn done) override {
    asio::post(strand_, [self = shared_from_this(), a = std::move(args), timeout, done = std::move(done)]() mutable {
      if (!self->ac_ || !self->connected_) return done(std::nullopt);
      auto p = std::make_shared<pending_call>();
      p->done = std::move(done);
      p->timer = std::make_unique<asio::steady_timer>(self->strand_, timeout);
      p->timer->async_wait([p](boost::system::error_code ec) {
        if (!ec) p->finish(std::nullopt);
      });
      std::vector<const char*> argv;
      std::vector<size_t> lens;
      for (const auto& x : a) {
        argv.push_back(x.data());
        lens.push_back(x.size());
      }
      // hiredis owns one reference until it calls back (with a null reply
      // when the connection drops).
      auto held = new std::shared_ptr<pending_call>(p);
      if (redisAsyncCommandArgv(self->ac_, &connection::on_call_reply, held, static_cast<int>(a.size()), argv.data(),
                                lens.data()) != REDIS_OK) {
        delete held;
        p->finish(std::nullopt);
      }
    });
  }

  static void on_call_reply(redisAsyncContext*, void* r, void* priv) {
    std::unique_ptr<std::shared_ptr<pending_call>> held(static_cast<std::shared_ptr<pending_call>*>(priv));
    auto reply = static_cast<redisReply*>(r);
    if (reply && reply->type == REDIS_REPLY_INTEGER) return (*held)->finish(reply->integer);
    if (reply && reply->type == REDIS_REPLY_ERROR)
      log::warn("redis call failed", {{"error", std::string(reply->str, reply->len)}});
    (*held)->finish(std::nullopt);
  }

  static void on_command_reply(redisAsyncContext*, void* r, void*) {
    auto reply = static_cast<redisReply*>(r);
    if (reply && reply->type == REDIS_REPLY_ERROR)
      log::warn("redis command failed", {{"error", std::string(reply->str, reply->len)}});
  }

  void subscribe(std::string channel, bool on, std::function<void()> on_ready) override {
    asio::post(strand_, [self = shared_from_this(), c = std::move(channel), on, cb = std::move(on_ready)]() mutable {
      self->change_subscription(c, on, std::move(cb));
    });
  }

  bool healthy() const override {
    auto now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    return connected_ && now - last_pong_ms_.load() < 3 * opts_.heartbeat.count() + 500;
  }
  bool connected() const override { return connected_; }
  std::uint64_t dropped() const override { return dropped_; }

 private:
  void connect() {
    if (stopped_ || ac_) return;
    redisAsyncContext* ac = redisAsyncConnect(opts_.host.c_str(), opts_.port);
    if (!ac || ac->err) {
      log::warn("redis connect failed", {{"error", ac ? ac->errstr : "out of memory"}});
      if (ac) redisAsyncFree(ac);
      schedule_reconnect();
      return;
    }
    ac_ = ac;
    ac->data = this;
    keepalive_ = shared_from_this();  // hiredis holds a raw pointer to us until it disconnects
    watcher_ = std::make_shared<watcher>(strand_, ac);
    ac->ev.data = watcher_.get();
    ac->ev.addRead = &watcher::add_read;
    ac->ev.delRead = &watcher::del_read;
    ac->ev.addWrite = &watcher::add_write;
    ac->ev.delWrite = &watcher::del_write;
    ac->ev.cleanup = &watcher::cleanup;
    // TCP keepalive notices a peer gone without a word; the heartbeat below
    // notices one that keeps the socket open but answers nothing.
    set_keepalive(ac->c.fd);
    redisAsyncSetConnectCallback(ac, &connection::on_connect);
    redisAsyncSetDisconnectCallback(ac, &connection::on_disconnect);
    // hiredis waits for writability to learn that the connect completed.
    watcher::add_write(watcher_.get());
  }

  static void on_connect(const redisAsyncContext* ac, int status) {
    auto self = static_cast<connection*>(ac->data);
    if (status != REDIS_OK) {
      // hiredis frees the context after this callback.
      log::warn("redis connection refused", {{"error", ac->errstr}});
      self->ac_ = nullptr;
      self->schedule_reconnect();
      asio::post(self->strand_, [keep = std::move(self->keepalive_)] {});
      return;
    }
    self->connected_ = true;
    self->backoff_ = self->opts_.reconnect_min;
    self->last_pong_ms_ = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    log::info("redis connected", {{"host", self->opts_.host}, {"port", static_cast<int>(self->opts_.port)}});
    if (self->mode_ == mode::subscribe) {
      for (const auto& c : self->channels_) self->send_subscription(c, true);
      // PING is queued behind the SUBSCRIBEs, so its reply means every one of them is in place.
      self->pending_ready_ = true;
      self->send_subscription("colibri:ready", true);
    }
  }

  static void on_disconnect(const redisAsyncContext* ac, int status) {
    auto self = static_cast<connection*>(ac->data);
    bool was_connected = self->connected_;
    self->connected_ = false;
    self->ac_ = nullptr;
    if (!self->stopped_) log::warn("redis disconnected", {{"error", status == REDIS_OK ? "" : ac->errstr}});
    self->confirmed_.clear();
    // Whoever waits for a subscription catches up after the reconnect instead.
    auto waiting = std::move(self->waiting_);
    self->waiting_.clear();
    for (auto& [c, cbs] : waiting)
      for (auto& cb : cbs) cb();
    if (was_connected && self->handlers.on_disconnect) self->handlers.on_disconnect();
    self->schedule_reconnect();
    // hiredis frees the context after this returns; release ourselves after that.
    asio::post(self->strand_, [keep = std::move(self->keepalive_)] {});
  }

  // On the strand. (Debian's hiredis 0.14.1 counts pending subscriptions, so
  // an UNSUBSCRIBE answered after a newer SUBSCRIBE keeps the channel's
  // callback; tests/integration/infra_test.cpp checks it.)
  void change_subscription(const std::string& c, bool on, std::function<void()> cb) {
    if (on) {
      bool added = channels_.insert(c).second;
      if (cb) {
        // Disconnected: the reconnect re-subscribes and on_connect tells the
        // user to catch up, so there is nothing to wait for.
        if (!ac_ || !connected_ || confirmed_.count(c)) {
          cb();
        } else {
          waiting_[c].push_back(std::move(cb));
        }
      }
      if (added && ac_ && connected_) send_subscription(c, true);
      return;
    }
    if (channels_.erase(c) == 0) return;
    confirmed_.erase(c);
    if (ac_ && connected_) send_subscription(c, false);
  }

  void release_waiting(const std::string& c) {
    auto it = waiting_.find(c);
    if (it == waiting_.end()) return;
    auto cbs = std::move(it->second);
    waiting_.erase(it);
    for (auto& cb : cbs) cb();
  }

  void send_subscription(const std::string& channel, bool on) {
    const char* argv[] = {on ? "SUBSCRIBE" : "UNSUBSCRIBE", channel.data()};
    const size_t lens[] = {on ? 9u : 11u, channel.size()};
    redisAsyncCommandArgv(ac_, on ? &connection::on_sub_reply : nullptr, this, 2, argv, lens);
  }

  static void on_sub_reply(redisAsyncContext* ac, void* r, void*) {
    auto reply = static_cast<redisReply*>(r);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
    auto self = static_cast<connection*>(ac->data);
    self->heard();
    std::string_view kind(reply->element[0]->str, reply->element[0]->len);
    std::string_view channel(reply->element[1]->str, reply->element[1]->len);
    if (kind == "message") {
      if (reply->element[2]->type != REDIS_REPLY_STRING) return;
      if (self->handlers.on_message)
        self->handlers.on_message(channel, std::string_view(reply->element[2]->str, reply->element[2]->len));
    } else if (kind == "subscribe" && channel == k_heartbeat_channel) {
      // heard() above is all it is for
    } else if (kind == "subscribe" && channel != "colibri:ready") {
      std::string c(channel);
      if (self->channels_.count(c)) {
        self->confirmed_.insert(c);
        self->release_waiting(c);
      }
    } else if (kind == "subscribe" && channel == "colibri:ready" && self->pending_ready_) {
      // Subscriptions are answered in order: this one is sent last after a
      // (re)connect, so when it is confirmed every other one is too.
      self->pending_ready_ = false;
      if (!self->channels_.count("colibri:ready")) {
        const char* argv[] = {"UNSUBSCRIBE", "colibri:ready"};
        const size_t lens[] = {11, 13};
        redisAsyncCommandArgv(ac, nullptr, nullptr, 2, argv, lens);
      }
      if (self->handlers.on_connect) self->handlers.on_connect();
    }
  }

  void schedule_reconnect() {
    if (stopped_) return;
    retry_timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, opts_.reconnect_max);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->connect();
    });
  }

  // Every heartbeat: a command that Redis answers on this connection (PING;
  // in subscribe mode, a SUBSCRIBE of a channel of our own, since hiredis
  // drops a subscribed connection's PONG). Silent for 3 heartbeats: the
  // connection is dropped and made again, and the subscriber's user told
  // (it catches up from PostgreSQL), instead of waiting for TCP to give up.
  void heartbeat() {
    if (stopped_) return;
    if (ac_ && connected_) {
      if (silent()) {
        log::warn("redis silent; reconnecting", {{"mode", mode_ == mode::command ? "command" : "subscribe"}});
        auto ac = ac_;
        redisAsyncFree(ac);  // calls on_disconnect, which schedules the reconnect
      } else if (mode_ == mode::command) {
        redisAsyncCommand(ac_, &connection::on_pong, this, "PING");
      } else {
        send_subscription(std::string(k_heartbeat_channel), true);
      }
    }
    heartbeat_timer_.expires_after(opts_.heartbeat);
    heartbeat_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->heartbeat();
    });
  }
  bool silent() const {
    auto now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    return now - last_pong_ms_.load() > 3 * opts_.heartbeat.count() + 500;
  }
  void heard() { last_pong_ms_ = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count(); }
  static constexpr std::string_view k_heartbeat_channel = "colibri:heartbeat";

  static void on_pong(redisAsyncContext* ac, void* r, void*) {
    auto reply = static_cast<redisReply*>(r);
    if (!reply || reply->type == REDIS_REPLY_ERROR) return;
    static_cast<connection*>(ac->data)->heard();
  }

  asio::strand<asio::any_io_executor> strand_;
  options opts_;
  mode mode_;
  asio::steady_timer retry_timer_;
  asio::steady_timer heartbeat_timer_;
  milliseconds backoff_;
  redisAsyncContext* ac_ = nullptr;
  std::shared_ptr<watcher> watcher_;
  std::shared_ptr<connection> keepalive_;
  std::set<std::string> channels_;   // wanted
  std::set<std::string> confirmed_;  // subscribed on this connection
  std::map<std::string, std::vector<std::function<void()>>> waiting_;
  bool stopped_ = true;
  bool pending_ready_ = false;
  std::atomic<bool> connected_{false};
  std::atomic<std::int64_t> last_pong_ms_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace detail

namespace {
std::shared_ptr<detail::link> make_link(asio::any_io_executor ex, options opts, detail::link::mode m) {
  if (!opts.cluster.empty()) return detail::make_cluster_link(std::move(ex), std::move(opts), m);
  return std::make_shared<detail::connection>(std::move(ex), std::move(opts), m);
}
}  // namespace

publisher::publisher(asio::any_io_executor ex, options opts)
    : sharded_(!opts.cluster.empty()), conn_(make_link(std::move(ex), std::move(opts), detail::link::mode::command)) {}
publisher::~publisher() { stop(); }
void publisher::start() { conn_->start(); }
void publisher::stop() { conn_->stop(); }
void publisher::publish(std::string channel, std::string message) {
  std::vector<std::string> args;
  args.reserve(3);
  args.emplace_back(sharded_ ? "SPUBLISH" : "PUBLISH");
  args.push_back(std::move(channel));
  args.push_back(std::move(message));
  conn_->command(std::move(args));
}
void publisher::command(std::vector<std::string> args) { conn_->command(std::move(args)); }
awaitable<std::optional<std::int64_t>> publisher::call(std::vector<std::string> args,
                                                       std::chrono::milliseconds timeout) {
  auto init = [this, &args, timeout](auto handler) {
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    conn_->call(std::move(args), timeout, [h](std::optional<std::int64_t> r) {
      auto ex = asio::get_associated_executor(*h);
      asio::post(ex, [h, r]() mutable { std::move (*h)(r); });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::optional<std::int64_t>)>(
      std::move(init), asio::use_awaitable);
}
bool publisher::healthy() const { return conn_->healthy(); }
std::uint64_t publisher::dropped() const { return conn_->dropped(); }

subscriber::subscriber(asio::any_io_executor ex, options opts, handlers h)
    : conn_(make_link(std::move(ex), std::move(opts), detail::link::mode::subscribe)) {
  conn_->handlers = std::move(h);
}
subscriber::~subscriber() { stop(); }
void subscriber::start() { conn_->start(); }
void subscriber::stop() { conn_->stop(); }
void subscriber::subscribe(std::string channel, std::function<void()> on_ready) {
  conn_->subscribe(std::move(channel), true, std::move(on_ready));
}
void subscriber::unsubscribe(std::string channel) { conn_->subscribe(std::move(channel), false, {}); }
bool subscriber::connected() const { return conn_->connected(); }

}  // namespace colibri::redis
