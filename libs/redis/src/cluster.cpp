// Redis Cluster: commands routed by slot, sharded pub/sub, topology followed.
//
// One connection per shard primary (Asio sockets, hiredis's RESP reader for
// the replies), everything on one strand. The slot map comes from CLUSTER
// SLOTS, asked on a short-lived connection of its own (a subscribed RESP2
// connection may not ask it): at start, every topology_refresh, after a lost
// node, a MOVED or a shard's sunsubscribe, and again every 250 ms while a
// primary of the map is unreachable (its replica is being promoted).
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <charconv>
#include <deque>
#include <map>

#include "colibri/core/log.hpp"
#include "link.hpp"

namespace colibri::redis {

namespace {
constexpr std::array<std::uint16_t, 256> crc16_table() {
  std::array<std::uint16_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    std::uint16_t c = static_cast<std::uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) c = static_cast<std::uint16_t>(c & 0x8000 ? (c << 1) ^ 0x1021 : c << 1);
    t[i] = c;
  }
  return t;
}
constexpr auto k_crc16 = crc16_table();
}  // namespace

std::uint16_t key_slot(std::string_view key) {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
  }
  std::uint16_t crc = 0;
  for (unsigned char c : key) crc = static_cast<std::uint16_t>((crc << 8) ^ k_crc16[((crc >> 8) ^ c) & 0xff]);
  return crc & 16383;
}

namespace detail {

using namespace std::chrono;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t k_slots = 16384;
constexpr std::uint16_t k_no_owner = 0xffff;
// Commands waiting for a connection being made, per node; beyond, dropped.
constexpr std::size_t k_queue_max = 10000;
constexpr int k_redirects_max = 5;

std::int64_t now_ms() { return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count(); }

struct reply_free {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_free>;

std::string format(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* out = nullptr;
  int n = redisFormatCommandArgv(&out, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n < 0) return {};
  std::string s(out, static_cast<std::size_t>(n));
  redisFreeCommand(out);
  return s;
}

std::string_view str(const redisReply* r) {
  return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
}

// Case-insensitive, without a copy (a command's name, on every publish).
bool is_command(std::string_view a, std::string_view upper) {
  return a.size() == upper.size() && std::equal(a.begin(), a.end(), upper.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == y;
         });
}

// "host:port" (the last colon: IPv6 hosts have others).
std::pair<std::string, std::uint16_t> split_addr(std::string_view a) {
  auto colon = a.rfind(':');
  if (colon == std::string_view::npos) return {std::string(a), 6379};
  std::uint16_t port = 0;
  std::from_chars(a.data() + colon + 1, a.data() + a.size(), port);
  return {std::string(a.substr(0, colon)), port};
}
std::string join_addr(const std::string& host, std::uint16_t port) { return host + ":" + std::to_string(port); }

// The key that decides where a command goes (its slot); empty: any node.
std::string_view routing_key(const std::vector<std::string>& args) {
  if (args.size() < 2) return {};
  const auto& cmd = args[0];
  if (is_command(cmd, "EVAL") || is_command(cmd, "EVALSHA") || is_command(cmd, "EVAL_RO") ||
      is_command(cmd, "EVALSHA_RO") || is_command(cmd, "FCALL")) {
    int keys = 0;
    if (args.size() < 4) return {};
    std::from_chars(args[2].data(), args[2].data() + args[2].size(), keys);
    return keys > 0 ? std::string_view(args[3]) : std::string_view();
  }
  return args[1];
}

// "MOVED 3999 127.0.0.1:6381" / "ASK 3999 127.0.0.1:6381".
struct redirect {
  bool ask = false;
  std::uint16_t slot = 0;
  std::string addr;
};
std::optional<redirect> parse_redirect(std::string_view err) {
  redirect r;
  if (err.starts_with("MOVED "))
    err.remove_prefix(6);
  else if (err.starts_with("ASK ")) {
    err.remove_prefix(4);
    r.ask = true;
  } else
    return std::nullopt;
  auto sp = err.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  if (std::from_chars(err.data(), err.data() + sp, r.slot).ec != std::errc{} || r.slot >= k_slots) return std::nullopt;
  r.addr = std::string(err.substr(sp + 1));
  return r;
}

// Resolves host and connects sock within a second; done(ec) once. keep owns
// sock, resolver and deadline until then. A deadline whose wait completed
// just after the connect (its handler already queued, beyond a cancel) must
// not close the socket the connect gave.
template <class Keep, class Done>
void connect_within(Keep keep, tcp::socket& sock, tcp::resolver& resolver, asio::steady_timer& deadline,
                    const std::string& host, std::uint16_t port, Done done) {
  auto finished = std::make_shared<bool>(false);  // touched on the strand only
  deadline.expires_after(milliseconds(1000));
  deadline.async_wait([keep, finished, &sock, &resolver](boost::system::error_code ec) {
    if (ec || *finished) return;
    boost::system::error_code ignored;
    sock.close(ignored);
    resolver.cancel();
  });
  auto finish = [finished, done](boost::system::error_code ec) mutable {
    *finished = true;
    done(ec);
  };
  resolver.async_resolve(
      host, std::to_string(port),
      [keep, &sock, finish](boost::system::error_code ec, tcp::resolver::results_type eps) mutable {
        if (ec) return finish(ec);
        asio::async_connect(sock, eps,
                            [keep, finish](boost::system::error_code ec, const tcp::endpoint&) mutable { finish(ec); });
      });
}

// One connection to one shard primary.
struct node : std::enable_shared_from_this<node> {
  node(asio::strand<asio::any_io_executor>& s, std::string h, std::uint16_t p, milliseconds backoff)
      : host(std::move(h)), port(p), addr(join_addr(host, port)), sock(s), timer(s), resolver(s), backoff(backoff) {}
  ~node() {
    if (reader) redisReaderFree(reader);
  }
  std::string host;
  std::uint16_t port;
  std::string addr;
  tcp::socket sock;
  asio::steady_timer timer;  // the connect's deadline, then the reconnect's backoff
  tcp::resolver resolver;
  milliseconds backoff;
  enum class state { connecting, up, down, retired } st = state::connecting;
  redisReader* reader = nullptr;
  std::vector<char> rbuf = std::vector<char>(16384);
  std::string wbuf, wflight;
  bool writing = false;
  std::int64_t heard_ms = 0;

  // Command mode: what was sent and waits for its reply, in order; what
  // waits for the connection.
  struct pending {
    std::vector<std::string> args;
    std::shared_ptr<pending_call> call;  // null: fire-and-forget
    int redirects = 0;
    enum class kind { command, ping, asking } k = kind::command;
  };
  std::deque<pending> inflight, queued;

  // Subscribe mode: replies expected, in order (a pushed sunsubscribe or
  // smessage is not one).
  struct expected {
    enum class kind { subscribe, unsubscribe, ping } k;
    std::string channel;
  };
  std::deque<expected> expect;
};

class cluster_link : public link, public std::enable_shared_from_this<cluster_link> {
 public:
  cluster_link(asio::any_io_executor ex, options opts, mode m)
      : strand_(asio::make_strand(ex)),
        opts_(std::move(opts)),
        mode_(m),
        slot_owner_(k_slots, k_no_owner),
        refresh_timer_(strand_),
        heartbeat_timer_(strand_) {}

  void start() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = false;
      // Nothing is subscribed yet: whoever waits for a subscription catches
      // up from on_connect, once every channel is in place.
      self->lose();
      self->request_refresh(milliseconds(0));
      self->heartbeat();
    });
  }

  void stop() override {
    asio::post(strand_, [self = shared_from_this()] {
      self->stopped_ = true;
      self->refresh_timer_.cancel();
      self->heartbeat_timer_.cancel();
      auto nodes = std::move(self->nodes_);
      self->nodes_.clear();
      for (auto& [a, n] : nodes) self->retire(*n);
      for (auto& p : self->unrouted_) self->fail(p);
      self->unrouted_.clear();
    });
  }

  void command(std::vector<std::string> args) override {
    asio::post(strand_, [self = shared_from_this(), a = std::move(args)]() mutable {
      node::pending p;
      p.args = std::move(a);
      self->dispatch(std::move(p));
    });
  }

  void call(std::vector<std::string> args, milliseconds timeout, reply_fn done) override {
    asio::post(strand_, [self = shared_from_this(), a = std::move(args), timeout, done = std::move(done)]() mutable {
      auto c = std::make_shared<pending_call>();
      c->done = std::move(done);
      c->timer = std::make_unique<asio::steady_timer>(self->strand_, timeout);
      c->timer->async_wait([c](boost::system::error_code ec) {
        if (!ec) c->finish(std::nullopt);
      });
      node::pending p;
      p.args = std::move(a);
      p.call = std::move(c);
      self->dispatch(std::move(p));
    });
  }

  void subscribe(std::string channel, bool on, std::function<void()> on_ready) override {
    asio::post(strand_, [self = shared_from_this(), c = std::move(channel), on, cb = std::move(on_ready)]() mutable {
      if (on)
        self->add_channel(c, std::move(cb));
      else
        self->remove_channel(c);
    });
  }

  bool healthy() const override { return healthy_; }
  bool connected() const override { return mode_ == mode::subscribe ? !lost_flag_.load() : healthy_.load(); }
  std::uint64_t dropped() const override { return dropped_; }

 private:
  struct channel_state {
    std::string node;        // the primary it belongs on, as far as we know
    bool sent = false;       // SSUBSCRIBE sent on that node's current connection
    bool confirmed = false;  // and answered
    std::vector<std::function<void()>> waiting;
  };

  // ---- topology ----

  void request_refresh(milliseconds after) {
    if (stopped_) return;
    if (refreshing_) {
      refresh_again_ = true;
      return;
    }
    if (refresh_scheduled_) return;
    refresh_scheduled_ = true;
    refresh_timer_.expires_after(after);
    refresh_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      self->refresh_scheduled_ = false;
      if (!ec) self->refresh();
    });
  }

  // Asks CLUSTER SLOTS of the next candidate: the known primaries, then the seeds.
  void refresh() {
    if (stopped_ || refreshing_) return;
    refreshing_ = true;
    std::vector<std::pair<std::string, std::uint16_t>> candidates;
    for (auto& [a, n] : nodes_)
      if (n->st == node::state::up) candidates.emplace_back(n->host, n->port);
    for (auto& s : opts_.cluster) candidates.push_back(s);
    auto target = candidates[refresh_attempt_++ % candidates.size()];
    auto pr = std::make_shared<probe>(strand_, target.first, target.second);
    connect_within(pr, pr->sock, pr->resolver, pr->timer, pr->host, pr->port,
                   [self = shared_from_this(), pr](boost::system::error_code ec) {
                     if (ec) return self->refreshed(*pr, nullptr);
                     pr->out = format({"CLUSTER", "SLOTS"});
                     asio::async_write(pr->sock, asio::buffer(pr->out),
                                       [self, pr](boost::system::error_code ec, std::size_t) {
                                         if (ec) return self->refreshed(*pr, nullptr);
                                         self->probe_read(pr);
                                       });
                   });
  }

  struct probe {
    probe(asio::strand<asio::any_io_executor>& s, std::string h, std::uint16_t p)
        : host(std::move(h)), port(p), sock(s), timer(s), resolver(s) {}
    ~probe() { redisReaderFree(reader); }
    std::string host;
    std::uint16_t port;
    tcp::socket sock;
    asio::steady_timer timer;
    tcp::resolver resolver;
    redisReader* reader = redisReaderCreate();
    std::vector<char> buf = std::vector<char>(16384);
    std::string out;
  };

  void probe_read(std::shared_ptr<probe> pr) {
    pr->sock.async_read_some(asio::buffer(pr->buf),
                             [self = shared_from_this(), pr](boost::system::error_code ec, std::size_t n) {
                               if (ec) return self->refreshed(*pr, nullptr);
                               redisReaderFeed(pr->reader, pr->buf.data(), n);
                               void* r = nullptr;
                               if (redisReaderGetReply(pr->reader, &r) != REDIS_OK)
                                 return self->refreshed(*pr, nullptr);
                               if (!r) return self->probe_read(pr);
                               reply_ptr reply(static_cast<redisReply*>(r));
                               self->refreshed(*pr, reply.get());
                             });
  }

  void refreshed(probe& pr, const redisReply* r) {
    pr.timer.cancel();
    boost::system::error_code ignored;
    pr.sock.close(ignored);
    refreshing_ = false;
    if (stopped_) return;
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 && apply(*r, pr.host);
    if (ok) {
      refresh_failures_ = 0;
    } else {
      ++refresh_failures_;
      if (refresh_failures_ == 1 || refresh_failures_ % 20 == 0)
        log::warn("redis cluster topology unavailable",
                  {{"node", join_addr(pr.host, pr.port)},
                   {"error", r && r->type == REDIS_REPLY_ERROR ? std::string(str(r)) : "no answer"},
                   {"attempts", refresh_failures_}});
    }
    if (refresh_again_ || !ok) {
      refresh_again_ = false;
      auto delay = ok ? milliseconds(100)
                      : std::min(opts_.reconnect_max, opts_.reconnect_min * (1 << std::min(refresh_failures_, 5)));
      request_refresh(delay);
    } else if (std::any_of(nodes_.begin(), nodes_.end(), [](auto& e) { return e.second->st != node::state::up; })) {
      request_refresh(milliseconds(250));  // a primary is unreachable: watch for its replica's promotion
    }
  }

  // CLUSTER SLOTS: [[start, end, [host, port, id...], replicas...], ...].
  bool apply(const redisReply& r, const std::string& asked_host) {
    std::vector<std::uint16_t> owner(k_slots, k_no_owner);
    std::vector<std::pair<std::string, std::uint16_t>> primaries;
    for (std::size_t i = 0; i < r.elements; ++i) {
      auto e = r.element[i];
      if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 || e->element[0]->type != REDIS_REPLY_INTEGER ||
          e->element[1]->type != REDIS_REPLY_INTEGER || e->element[2]->type != REDIS_REPLY_ARRAY ||
          e->element[2]->elements < 2 || e->element[2]->element[1]->type != REDIS_REPLY_INTEGER)
        return false;
      auto from = e->element[0]->integer, to = e->element[1]->integer;
      if (from < 0 || to >= static_cast<long long>(k_slots) || from > to) return false;
      std::string host(str(e->element[2]->element[0]));
      if (host.empty() || host == "?") host = asked_host;
      auto port = static_cast<std::uint16_t>(e->element[2]->element[1]->integer);
      std::pair<std::string, std::uint16_t> p{host, port};
      auto it = std::find(primaries.begin(), primaries.end(), p);
      auto idx = static_cast<std::uint16_t>(it - primaries.begin());
      if (it == primaries.end()) primaries.push_back(p);
      for (auto s = from; s <= to; ++s) owner[static_cast<std::size_t>(s)] = idx;
    }
    std::vector<std::string> addrs;
    for (auto& [h, p] : primaries) addrs.push_back(join_addr(h, p));
    bool changed = addrs != primaries_ || owner != slot_owner_;
    slot_owner_ = std::move(owner);
    primaries_ = std::move(addrs);
    if (changed || !topology_known_)
      log::info("redis cluster topology", {{"primaries", static_cast<std::int64_t>(primaries_.size())}});
    topology_known_ = true;
    // Nodes that are no longer primaries are left; the others connected.
    for (auto it = nodes_.begin(); it != nodes_.end();) {
      if (std::find(primaries_.begin(), primaries_.end(), it->first) == primaries_.end()) {
        auto n = it->second;
        it = nodes_.erase(it);
        retire(*n);
      } else {
        ++it;
      }
    }
    for (auto& [h, p] : primaries) node_for(join_addr(h, p));
    // Channels follow their slot; queued commands leave.
    for (auto& [c, st] : channels_) place(c, st);
    auto waiting = std::move(unrouted_);
    unrouted_.clear();
    for (auto& p : waiting) dispatch(std::move(p));
    check_live();
    update_health();
    return true;
  }

  const std::string* owner_of(std::string_view key) const {
    if (!topology_known_) return nullptr;
    auto o = slot_owner_[key_slot(key)];
    return o == k_no_owner ? nullptr : &primaries_[o];
  }

  // The connection to a primary, made on first use.
  std::shared_ptr<node> node_for(const std::string& addr) {
    auto it = nodes_.find(addr);
    if (it != nodes_.end()) return it->second;
    auto [h, p] = split_addr(addr);
    auto n = std::make_shared<node>(strand_, h, p, opts_.reconnect_min);
    nodes_.emplace(addr, n);
    connect(n);
    return n;
  }

  // ---- connections ----

  void connect(std::shared_ptr<node> n) {
    if (stopped_ || n->st == node::state::retired) return;
    n->st = node::state::connecting;
    connect_within(n, n->sock, n->resolver, n->timer, n->host, n->port,
                   [self = shared_from_this(), n](boost::system::error_code ec) {
                     if (n->st != node::state::connecting) return;
                     if (ec) return self->node_down(n, ec.message());
                     self->node_up(n);
                   });
  }

  void node_up(std::shared_ptr<node> n) {
    n->timer.cancel();
    boost::system::error_code ignored;
    n->sock.set_option(tcp::no_delay(true), ignored);
    set_keepalive(n->sock.native_handle());
    if (n->reader) redisReaderFree(n->reader);
    n->reader = redisReaderCreate();
    n->st = node::state::up;
    n->backoff = opts_.reconnect_min;
    n->heard_ms = now_ms();
    log::info("redis cluster node connected", {{"node", n->addr}});
    read(n);
    if (mode_ == mode::command) {
      auto q = std::move(n->queued);
      n->queued.clear();
      for (auto& p : q) send(*n, std::move(p));
    } else {
      for (auto& [c, st] : channels_)
        if (st.node == n->addr && !st.sent) send_subscription(*n, c, st, true);
    }
    update_health();
  }

  // A lost connection: what waited on it fails, its channels may have
  // missed messages (the user catches up), and the map is read again.
  void node_down(std::shared_ptr<node> n, const std::string& why) {
    if (n->st == node::state::down || n->st == node::state::retired) return;
    if (n->st == node::state::up) log::warn("redis cluster node lost", {{"node", n->addr}, {"error", why}});
    close(*n);
    n->st = node::state::down;
    request_refresh(milliseconds(0));
    update_health();
    n->timer.expires_after(n->backoff);
    n->backoff = std::min(n->backoff * 2, opts_.reconnect_max);
    n->timer.async_wait([self = shared_from_this(), n](boost::system::error_code ec) {
      if (!ec && n->st == node::state::down) self->connect(n);
    });
  }

  void retire(node& n) {
    close(n);
    n.st = node::state::retired;
    n.timer.cancel();
  }

  void close(node& n) {
    boost::system::error_code ignored;
    n.sock.close(ignored);
    n.resolver.cancel();
    n.wbuf.clear();
    n.expect.clear();
    auto inflight = std::move(n.inflight);
    auto queued = std::move(n.queued);
    n.inflight.clear();
    n.queued.clear();
    for (auto& p : inflight)
      if (p.k == node::pending::kind::command) fail(p);
    for (auto& p : queued) fail(p);
    for (auto& [c, st] : channels_) {
      if (st.node != n.addr) continue;
      st.sent = false;
      if (st.confirmed) {
        set_confirmed(st, false);
        lose();
      }
    }
  }

  void read(std::shared_ptr<node> n) {
    n->sock.async_read_some(asio::buffer(n->rbuf),
                            [self = shared_from_this(), n](boost::system::error_code ec, std::size_t len) {
                              if (n->st != node::state::up) return;
                              if (ec) return self->node_down(n, ec.message());
                              redisReaderFeed(n->reader, n->rbuf.data(), len);
                              for (;;) {
                                void* r = nullptr;
                                if (redisReaderGetReply(n->reader, &r) != REDIS_OK)
                                  return self->node_down(n, "protocol error");
                                if (!r) break;
                                reply_ptr reply(static_cast<redisReply*>(r));
                                n->heard_ms = now_ms();
                                if (self->mode_ == mode::command)
                                  self->on_reply(*n, *reply);
                                else
                                  self->on_push(*n, *reply);
                                if (n->st != node::state::up) return;
                              }
                              self->read(n);
                            });
  }

  void write(node& n, std::string_view bytes) {
    n.wbuf.append(bytes);
    if (n.writing || n.st != node::state::up) return;
    flush(n.shared_from_this());
  }
  void flush(std::shared_ptr<node> n) {
    if (n->wbuf.empty()) return;
    n->writing = true;
    n->wflight.clear();
    std::swap(n->wflight, n->wbuf);
    asio::async_write(n->sock, asio::buffer(n->wflight),
                      [self = shared_from_this(), n](boost::system::error_code ec, std::size_t) {
                        n->writing = false;
                        if (n->st != node::state::up) return;
                        if (ec) return self->node_down(n, ec.message());
                        self->flush(n);
                      });
  }

  // ---- commands ----

  void dispatch(node::pending p) {
    if (stopped_) return fail(p);
    if (!topology_known_) {
      if (unrouted_.size() >= k_queue_max) return fail(p);
      unrouted_.push_back(std::move(p));
      return;
    }
    auto key = routing_key(p.args);
    const std::string* owner = owner_of(key);
    if (!owner && key.empty() && !primaries_.empty()) owner = &primaries_.front();
    if (!owner) return fail(p);
    auto n = node_for(*owner);
    if (n->st == node::state::up) return send(*n, std::move(p));
    if (n->st == node::state::connecting && n->queued.size() < k_queue_max) return n->queued.push_back(std::move(p));
    fail(p);
  }

  void send(node& n, node::pending p) {
    write(n, format(p.args));
    n.inflight.push_back(std::move(p));
  }

  void fail(node::pending& p) {
    if (p.call)
      p.call->finish(std::nullopt);
    else if (p.k == node::pending::kind::command)
      ++dropped_;
  }

  void on_reply(node& n, const redisReply& r) {
    if (n.inflight.empty()) return;
    auto p = std::move(n.inflight.front());
    n.inflight.pop_front();
    if (p.k != node::pending::kind::command) return;  // PONG, or ASKING's OK
    if (r.type == REDIS_REPLY_ERROR) {
      auto err = str(&r);
      if (auto rd = parse_redirect(err); rd && p.redirects < k_redirects_max) {
        ++p.redirects;
        auto target = node_for(rd->addr);
        if (!rd->ask) {
          // The slot lives elsewhere now: remember it, and read the whole map again.
          auto it = std::find(primaries_.begin(), primaries_.end(), rd->addr);
          if (it == primaries_.end()) it = primaries_.insert(primaries_.end(), rd->addr);
          slot_owner_[rd->slot] = static_cast<std::uint16_t>(it - primaries_.begin());
          request_refresh(milliseconds(0));
          return dispatch(std::move(p));
        }
        if (target->st != node::state::up) return fail(p);
        node::pending asking;
        asking.args = {"ASKING"};
        asking.k = node::pending::kind::asking;
        send(*target, std::move(asking));
        return send(*target, std::move(p));
      }
      warn_error(n, err);
      if (err.starts_with("CLUSTERDOWN") || err.starts_with("TRYAGAIN")) request_refresh(milliseconds(100));
      if (p.call) p.call->finish(std::nullopt);
      return;
    }
    if (p.call) p.call->finish(r.type == REDIS_REPLY_INTEGER ? std::optional<std::int64_t>(r.integer) : std::nullopt);
  }

  // At most one line a second per node: a failover makes one error per command or channel.
  void warn_error(node& n, std::string_view err) {
    auto now = now_ms();
    if (now - last_warn_ms_ < 1000) return;
    last_warn_ms_ = now;
    log::warn("redis cluster command failed", {{"node", n.addr}, {"error", std::string(err)}});
  }

  // ---- sharded subscriptions ----

  void add_channel(const std::string& c, std::function<void()> cb) {
    auto [it, added] = channels_.try_emplace(c);
    auto& st = it->second;
    if (cb) {
      // While lost, on_connect reports the catch-up: nothing to wait for.
      if (lost_ || st.confirmed)
        cb();
      else
        st.waiting.push_back(std::move(cb));
    }
    if (added) place(c, st);
  }

  void remove_channel(const std::string& c) {
    auto it = channels_.find(c);
    if (it == channels_.end()) return;
    auto& st = it->second;
    if (st.sent) {
      auto n = nodes_.find(st.node);
      if (n != nodes_.end() && n->second->st == node::state::up) send_subscription(*n->second, c, st, false);
    }
    set_confirmed(st, false);
    auto waiting = std::move(st.waiting);
    channels_.erase(it);
    for (auto& cb : waiting) cb();
    check_live();
  }

  // Puts a channel on the primary that owns its slot (moving it if the map changed).
  void place(const std::string& c, channel_state& st) {
    const std::string* owner = owner_of(c);
    if (!owner) return;
    if (st.node != *owner) {
      if (st.sent) {
        auto old = nodes_.find(st.node);
        if (old != nodes_.end() && old->second->st == node::state::up) send_subscription(*old->second, c, st, false);
      }
      if (st.confirmed) {
        // Published on the new owner before we are there: missed.
        set_confirmed(st, false);
        lose();
      }
      st.node = *owner;
      st.sent = false;
    }
    if (st.sent) return;
    auto n = node_for(st.node);
    if (n->st == node::state::up) send_subscription(*n, c, st, true);
  }

  void send_subscription(node& n, const std::string& c, channel_state& st, bool on) {
    write(n, format({on ? "SSUBSCRIBE" : "SUNSUBSCRIBE", c}));
    n.expect.push_back({on ? node::expected::kind::subscribe : node::expected::kind::unsubscribe, c});
    st.sent = on;
  }

  void on_push(node& n, const redisReply& r) {
    using k = node::expected::kind;
    auto pop_if = [&](k kind, std::string_view channel) {
      if (n.expect.empty() || n.expect.front().k != kind || (kind != k::ping && n.expect.front().channel != channel))
        return false;
      n.expect.pop_front();
      return true;
    };
    if (r.type == REDIS_REPLY_ERROR) {
      // The answer to the oldest request.
      if (n.expect.empty()) return;
      auto e = std::move(n.expect.front());
      n.expect.pop_front();
      if (e.k != k::subscribe) return;
      auto it = channels_.find(e.channel);
      if (it != channels_.end() && it->second.node == n.addr) it->second.sent = false;
      auto err = str(&r);
      warn_error(n, err);
      if (auto rd = parse_redirect(err); rd && !rd->ask) {
        auto p = std::find(primaries_.begin(), primaries_.end(), rd->addr);
        if (p == primaries_.end()) p = primaries_.insert(primaries_.end(), rd->addr);
        slot_owner_[rd->slot] = static_cast<std::uint16_t>(p - primaries_.begin());
        if (it != channels_.end()) place(it->first, it->second);
        request_refresh(milliseconds(0));
      } else {
        request_refresh(milliseconds(100));  // CLUSTERDOWN while a failover is decided: placed again after it
      }
      return;
    }
    if (r.type == REDIS_REPLY_STATUS) {  // PONG on a connection without subscriptions
      pop_if(k::ping, {});
      return;
    }
    if (r.type != REDIS_REPLY_ARRAY || r.elements < 2 || r.element[0]->type != REDIS_REPLY_STRING) return;
    auto kind = str(r.element[0]);
    auto channel = str(r.element[1]);
    if (kind == "smessage" && r.elements >= 3) {
      if (handlers.on_message) handlers.on_message(channel, str(r.element[2]));
    } else if (kind == "ssubscribe") {
      pop_if(k::subscribe, channel);
      auto it = channels_.find(std::string(channel));
      if (it == channels_.end() || it->second.node != n.addr || !it->second.sent) return;
      set_confirmed(it->second, true);
      auto waiting = std::move(it->second.waiting);
      it->second.waiting.clear();
      for (auto& cb : waiting) cb();
      check_live();
    } else if (kind == "sunsubscribe") {
      if (pop_if(k::unsubscribe, channel)) return;  // ours
      // The shard let go of the channel (its slot moved, or this node is a
      // replica now): what was published meanwhile may be missed.
      auto it = channels_.find(std::string(channel));
      if (it == channels_.end() || it->second.node != n.addr) return;
      it->second.sent = false;
      if (it->second.confirmed) {
        set_confirmed(it->second, false);
        lose();
      }
      request_refresh(milliseconds(0));
    } else if (kind == "pong") {
      pop_if(k::ping, {});
    }
  }

  void set_confirmed(channel_state& st, bool on) {
    if (st.confirmed == on) return;
    st.confirmed = on;
    confirmed_count_ += on ? 1 : -1;
  }

  void lose() {
    if (mode_ != mode::subscribe || lost_) return;
    lost_ = true;
    lost_flag_ = true;
    // Whoever waits for a subscription catches up after on_connect instead.
    for (auto& [c, st] : channels_) {
      auto waiting = std::move(st.waiting);
      st.waiting.clear();
      for (auto& cb : waiting) cb();
    }
    if (handlers.on_disconnect) handlers.on_disconnect();
  }

  void check_live() {
    if (mode_ != mode::subscribe || !lost_ || !topology_known_) return;
    if (confirmed_count_ != static_cast<std::int64_t>(channels_.size())) return;
    lost_ = false;
    lost_flag_ = false;
    if (handlers.on_connect) handlers.on_connect();
  }

  // ---- heartbeat ----

  // Every heartbeat a PING to each primary (allowed on a subscribed
  // connection); silent for 3 heartbeats, the connection is dropped and made
  // again. Every topology_refresh, the map is read again.
  void heartbeat() {
    if (stopped_) return;
    auto now = now_ms();
    auto silent_after = 3 * opts_.heartbeat.count() + 500;
    std::vector<std::shared_ptr<node>> silent;
    for (auto& [a, n] : nodes_) {
      if (n->st != node::state::up) continue;
      if (now - n->heard_ms > silent_after) {
        silent.push_back(n);
        continue;
      }
      if (mode_ == mode::command) {
        node::pending p;
        p.args = {"PING"};
        p.k = node::pending::kind::ping;
        send(*n, std::move(p));
      } else {
        write(*n, format({"PING"}));
        n->expect.push_back({node::expected::kind::ping, {}});
      }
    }
    for (auto& n : silent) node_down(n, "silent");
    if (now - last_refresh_tick_ms_ >= opts_.topology_refresh.count()) {
      last_refresh_tick_ms_ = now;
      request_refresh(milliseconds(0));
    }
    update_health();
    heartbeat_timer_.expires_after(opts_.heartbeat);
    heartbeat_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->heartbeat();
    });
  }

  // Every primary of the map connected and heard recently.
  void update_health() {
    auto now = now_ms();
    auto silent_after = 3 * opts_.heartbeat.count() + 500;
    bool ok = topology_known_ && !primaries_.empty();
    for (auto& a : primaries_) {
      auto it = nodes_.find(a);
      if (it == nodes_.end() || it->second->st != node::state::up || now - it->second->heard_ms > silent_after)
        ok = false;
    }
    healthy_ = ok;
  }

  asio::strand<asio::any_io_executor> strand_;
  options opts_;
  mode mode_;
  std::vector<std::uint16_t> slot_owner_;  // per slot: an index into primaries_
  std::vector<std::string> primaries_;     // "host:port"
  bool topology_known_ = false;
  std::map<std::string, std::shared_ptr<node>> nodes_;  // the primaries' connections
  std::deque<node::pending> unrouted_;                  // before the first map
  std::map<std::string, channel_state> channels_;       // wanted (subscribe mode)
  std::int64_t confirmed_count_ = 0;
  bool lost_ = false;
  asio::steady_timer refresh_timer_, heartbeat_timer_;
  bool refreshing_ = false, refresh_scheduled_ = false, refresh_again_ = false;
  int refresh_failures_ = 0;
  std::size_t refresh_attempt_ = 0;
  std::int64_t last_refresh_tick_ms_ = 0;
  std::int64_t last_warn_ms_ = 0;
  bool stopped_ = true;
  std::atomic<bool> healthy_{false}, lost_flag_{true};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace

std::shared_ptr<link> make_cluster_link(asio::any_io_executor ex, options opts, link::mode m) {
  return std::make_shared<cluster_link>(std::move(ex), std::move(opts), m);
}

}  // namespace detail
}  // namespace colibri::redis
