// colibri-chat-load: a WebSocket load generator for the chat gateways.
//
// Sets up users, groups, memberships and session tokens directly in
// PostgreSQL, then forks worker processes (one process may hold at most
// 20,000 sockets here), each with its share of clients spread over the
// gateways and over several 127.0.0.x source addresses. Every client says
// hello and subscribes to its room; senders then send on a fixed schedule.
// Latency is measured from the scheduled send time (so a stalled system
// cannot hide its backlog), for acks and for deliveries. Every receiver
// checks that its room's seqs arrive once each, in order, without a gap.
//
//   colibri-chat-load --pg-url URL --gateways 127.0.0.1:8082,127.0.0.1:8092
//     --clients 1000 --room-size 50 --senders-per-room 1 --rate 2000 --seconds 10
//   colibri-chat-load ... --idle 20000 --seconds 30   (hold idle sockets)
//   colibri-chat-load ... --protocol socketio|nchan|nats|nats-js   (peers, loadtests/compare)
//   colibri-chat-load ... --reconnect   (through faults: docs/operations.md)
//
// --reconnect: clients behave as the web client does through a fault. A lost
// connection (or an error answer) is made again to the next gateway after
// 200 ms; the client subscribes with `since` its last seq and sends again,
// with the same client_msg_id, every message not acked yet. At the end each
// worker checks in PostgreSQL that every acked message is stored and that
// every receiver holds its room's last seq; it reports reconnects, error
// answers and the longest wait between two deliveries of a receiver.
//
// The peers keep each sender's messages in order, not a room's, and have no
// seq: their bodies carry "<sender>:<n>:<time>" and each receiver checks that
// every sender's n arrives once, in order, without a gap.
// - socketio: Engine.IO 4 / Socket.IO 5 frames over the WebSocket transport
//   ("40" to connect, 42[...] events with ack ids) to a server that defines
//   subscribe(room) and send(room, body) and emits event(room, body).
// - nchan: a WebSocket on /ps/<room> (an nchan_pubsub location): subscribed
//   once open, a frame sent is published, frames received are the bodies.
//   The ack of a send is its own copy coming back (after the store, with
//   Redis storage).
// - nats: NATS's text protocol over WebSocket (CONNECT, SUB, PUB; MSG), the
//   subject room.<id>; subscribed at the PONG of the PING after SUB; the ack
//   is the own copy (echo). nats-js: PUB with a reply inbox to a JetStream
//   stream over room.> (created by the harness); the ack is the PubAck.
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

#include "colibri/auth/password.hpp"
#include "colibri/auth/sessions.hpp"
#include "colibri/json/value.hpp"
#include "colibri/net/asio.hpp"
#include "colibri/pg/sql_array.hpp"
#include "histogram.hpp"

namespace beast = boost::beast;
namespace bws = beast::websocket;
using tcp = boost::asio::ip::tcp;
using namespace colibri;
using clk = std::chrono::system_clock;

namespace {

struct args {
  std::string pg_url;
  std::vector<std::pair<std::string, unsigned short>> gateways;
  std::vector<std::string> sources{"127.0.0.1"};
  int clients = 100, room_size = 10, senders_per_room = 1, procs = 1;
  double rate = 100;  // messages per second, all senders together
  int seconds = 10;
  int connect_seconds = -1;  // before the schedule starts; -1: 3 s + 0.3 ms a client
  double connect_rate = 0;   // new connections per second, all processes together (0: at once)
  bool idle = false;
  bool reconnect = false;
  enum class protocol { colibri, socketio, nchan, nats, nats_js } proto = protocol::colibri;
  bool socketio() const { return proto == protocol::socketio; }
  bool nats() const { return proto == protocol::nats || proto == protocol::nats_js; }
  bool counted() const { return proto != protocol::colibri; }  // bodies "<sender>:<n>:<time>"
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(clk::now().time_since_epoch()).count();
}

// The value of a top-level "key": string or number, in frames this program
// knows the shape of (the server writes "type" first, no nested "seq").
std::string_view field(std::string_view json, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  auto p = json.find(needle);
  if (p == std::string_view::npos) return {};
  p += needle.size();
  if (p < json.size() && json[p] == '"') {
    auto e = json.find('"', p + 1);
    return json.substr(p + 1, e - p - 1);
  }
  auto e = json.find_first_of(",}", p);
  return json.substr(p, e - p);
}

struct results {
  histogram ack, delivery;
  std::uint64_t sent = 0, acks = 0, delivered = 0, order_errors = 0, errors = 0, connected = 0, closed = 0,
                connect_failed = 0;
  // --reconnect: connections made again; events a receiver never got and
  // acked messages not stored (both must be 0); the longest wait between two
  // deliveries to one receiver.
  std::uint64_t reconnects = 0, missing = 0, acked_lost = 0;
  std::int64_t max_gap_us = 0;
  std::uint64_t close_frames = 0;  // of `closed`: those the server closed with a close frame
  std::string serialize() const {
    std::ostringstream o;
    o << sent << ' ' << acks << ' ' << delivered << ' ' << order_errors << ' ' << errors << ' ' << connected << ' '
      << closed << ' ' << connect_failed << ' ' << reconnects << ' ' << missing << ' ' << acked_lost << ' '
      << max_gap_us << ' ' << ack.count << ' ' << ack.max << ' ' << delivery.count << ' ' << delivery.max;
    for (auto b : ack.buckets) o << ' ' << b;
    for (auto b : delivery.buckets) o << ' ' << b;
    o << ' ' << close_frames;
    return o.str();
  }
  void merge_serialized(const std::string& s) {
    std::istringstream in(s);
    results r;
    in >> r.sent >> r.acks >> r.delivered >> r.order_errors >> r.errors >> r.connected >> r.closed >>
        r.connect_failed >> r.reconnects >> r.missing >> r.acked_lost >> r.max_gap_us >> r.ack.count >> r.ack.max >>
        r.delivery.count >> r.delivery.max;
    for (auto& b : r.ack.buckets) in >> b;
    for (auto& b : r.delivery.buckets) in >> b;
    in >> r.close_frames;
    close_frames += r.close_frames;
    sent += r.sent;
    acks += r.acks;
    delivered += r.delivered;
    order_errors += r.order_errors;
    errors += r.errors;
    connected += r.connected;
    closed += r.closed;
    connect_failed += r.connect_failed;
    reconnects += r.reconnects;
    missing += r.missing;
    acked_lost += r.acked_lost;
    max_gap_us = std::max(max_gap_us, r.max_gap_us);
    ack.merge(r.ack);
    delivery.merge(r.delivery);
  }
};

// Opens the socket from a loopback source address. The port is left to
// connect() (IP_BIND_ADDRESS_NO_PORT), which may reuse one toward another
// gateway: bind() would search for a port free toward every destination, a
// search that cost a millisecond of kernel time per socket past 60,000.
void bind_source(tcp::socket& sock, const std::string& src) {
  boost::system::error_code ec;
  sock.open(tcp::v4(), ec);
  int one = 1;
  ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sock.bind({asio::ip::make_address(src), 0}, ec);
}

struct client_spec {
  std::string token, room;
  bool sender = false;
  int index = 0;
};

// Creates the groups, users, memberships and sessions; returns one spec per client.
std::vector<client_spec> setup(const args& a) {
  pqxx::connection c(a.pg_url);
  pqxx::work w(c);
  auto tag = std::to_string(now_us());
  int rooms = (a.clients + a.room_size - 1) / a.room_size;
  std::vector<std::optional<std::string>> names, emails, handles;
  for (int r = 0; r < rooms; ++r) names.push_back("charge " + tag + " " + std::to_string(r));
  std::vector<std::int64_t> gids;
  for (auto row :
       w.exec_params("INSERT INTO groups (name) SELECT unnest($1::text[]) RETURNING id", pg::text_array(names)))
    gids.push_back(row[0].as<std::int64_t>());
  for (int i = 0; i < a.clients; ++i) {
    emails.push_back("load" + tag + "-" + std::to_string(i) + "@example.invalid");
    handles.push_back("l" + tag.substr(tag.size() - 8) + "-" + std::to_string(i));
  }
  std::vector<std::int64_t> uids;
  for (auto row : w.exec_params("INSERT INTO users (email, handle, password_hash) "
                                "SELECT e, h, 'load-test: no password' FROM unnest($1::text[], $2::text[]) AS x(e, h) "
                                "RETURNING id",
                                pg::text_array(emails), pg::text_array(handles)))
    uids.push_back(row[0].as<std::int64_t>());
  std::vector<std::optional<std::int64_t>> mg, mu;
  std::vector<client_spec> specs(a.clients);
  for (int i = 0; i < a.clients; ++i) {
    int r = i / a.room_size;
    mg.push_back(gids[r]);
    mu.push_back(uids[i]);
    specs[i].room = "group:" + std::to_string(gids[r]);
    specs[i].sender = !a.idle && (i % a.room_size) < a.senders_per_room;
    specs[i].index = i;
    specs[i].token = auth::create_session(w, uids[i], std::chrono::hours(24));
  }
  w.exec_params("INSERT INTO memberships (group_id, user_id) SELECT * FROM unnest($1::bigint[], $2::bigint[])",
                pg::bigint_array(mg), pg::bigint_array(mu));
  w.commit();
  return specs;
}

struct worker {
  const args& a;
  asio::io_context io{1};
  results res;
  std::int64_t start_us = 0, end_us = 0;
  std::atomic<int> subscribed{0};
  int total = 0;
  double per_sender_interval_us = 0;
  struct resuming;
  // --reconnect: each client's room and state, by slot; acked client_msg_ids.
  std::vector<std::pair<std::string, std::shared_ptr<resuming>>> clients;
  std::vector<std::string> acked_ids;

  // One client across connections (--reconnect).
  struct resuming {
    std::int64_t last_seq = -1, last_delivery_us = 0;
    std::deque<std::pair<std::uint64_t, std::int64_t>> unacked;  // (k, scheduled time), in send order
    std::shared_ptr<bws::stream<beast::tcp_stream>> ws;          // the current connection, once subscribed
    std::uint64_t generation = 0;                                // connections subscribed so far
  };

  awaitable<void> run_resuming(client_spec spec, int slot) {
    auto st = std::make_shared<resuming>();
    clients[slot] = {spec.room, st};
    if (spec.sender) asio::co_spawn(io, resuming_sends(spec, st), asio::detached);
    bool counted = false;
    for (int attempt = 0; now_us() < end_us + 3'000'000; ++attempt) {
      if (attempt > 0) {
        ++res.reconnects;
        asio::steady_timer t(io, std::chrono::milliseconds(200));
        co_await t.async_wait(asio::use_awaitable);
      }
      auto ws = std::make_shared<bws::stream<beast::tcp_stream>>(io);
      auto& sock = beast::get_lowest_layer(*ws).socket();
      const auto& gw = a.gateways[(slot + attempt) % a.gateways.size()];
      const auto& src = a.sources[(slot / a.gateways.size()) % a.sources.size()];
      boost::system::error_code ec;
      bind_source(sock, src);
      tcp::endpoint to(asio::ip::make_address(gw.first), gw.second);
      auto [cec] = co_await sock.async_connect(to, asio::as_tuple(asio::use_awaitable));
      if (cec) continue;
      sock.set_option(tcp::no_delay(true), ec);
      auto [hec] = co_await ws->async_handshake(gw.first, "/ws", asio::as_tuple(asio::use_awaitable));
      if (hec) continue;
      if (attempt == 0) ++res.connected;
      ws->text(true);
      std::string hello = R"({"type":"hello","token":")" + spec.token + R"("})";
      std::string sub = R"({"type":"subscribe","room":")" + spec.room + "\"" +
                        (st->last_seq >= 0 ? R"(,"since":)" + std::to_string(st->last_seq) : std::string()) + "}";
      auto [w1, n1] = co_await ws->async_write(asio::buffer(hello), asio::as_tuple(asio::use_awaitable));
      if (w1) continue;
      auto [w2, n2] = co_await ws->async_write(asio::buffer(sub), asio::as_tuple(asio::use_awaitable));
      if (w2) continue;
      std::string in;
      std::array<char, 16384> chunk;
      bool open = true;
      while (open) {
        auto [rec, n] = co_await sock.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
        if (rec) break;
        in.append(chunk.data(), n);
        auto now = now_us();
        std::size_t pos = 0;
        unsigned op = 0;
        std::string_view text;
        while (open && next_frame(in, pos, op, text)) {
          if (op == 0x9) {
            asio::co_spawn(io, pong(ws, *ws, std::string(text)), asio::detached);
            continue;
          }
          if (op == 0x8) {
            open = false;
            break;
          }
          auto t = field(text, "type");
          if (t == "subscribed") {
            if (st->last_seq < 0) st->last_seq = std::atoll(std::string(field(text, "last_seq")).c_str());
            if (!counted) ++subscribed;
            counted = true;
            st->ws = ws;
            ++st->generation;
          } else if (t == "event") {
            auto seq = std::atoll(std::string(field(text, "seq")).c_str());
            if (seq != st->last_seq + 1) ++res.order_errors;  // a gap, or twice
            st->last_seq = seq;
            ++res.delivered;
            if (st->last_delivery_us) res.max_gap_us = std::max(res.max_gap_us, now - st->last_delivery_us);
            st->last_delivery_us = now;
            auto scheduled_at = std::atoll(std::string(field(text, "body")).c_str());
            if (scheduled_at > 0) res.delivery.add(now - scheduled_at);
          } else if (t == "ack" && !st->unacked.empty()) {
            ++res.acks;
            res.ack.add(now - st->unacked.front().second);
            acked_ids.push_back(std::to_string(spec.index) + "-" + std::to_string(st->unacked.front().first));
            st->unacked.pop_front();
          } else if (t == "error") {
            // Unavailable while a store fails over: the same messages again on a new connection.
            if (res.errors++ == 0) std::cerr << "first error frame: " << text << "\n";
            open = false;
          }
        }
        in.erase(0, pos);
      }
      if (st->ws == ws) st->ws.reset();
      boost::system::error_code ignored;
      sock.close(ignored);
    }
  }

  // A sender's schedule (--reconnect): messages made while disconnected wait;
  // on each new connection everything not acked is sent again, in order.
  awaitable<void> resuming_sends(client_spec spec, std::shared_ptr<resuming> st) {
    asio::steady_timer t(io);
    while (now_us() < start_us) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(asio::use_awaitable);
    }
    auto next = start_us + static_cast<std::int64_t>(per_sender_interval_us * (spec.index % 97) / 97);
    std::uint64_t k = 0, sent_on = 0;
    auto frame = [&](std::uint64_t n, std::int64_t at) {
      return R"({"type":"send","room":")" + spec.room + R"(","body":")" + std::to_string(at) +
             R"(","client_msg_id":")" + std::to_string(spec.index) + "-" + std::to_string(n) + "\"}";
    };
    while (now_us() < end_us + 3'000'000 && (now_us() < end_us || !st->unacked.empty())) {
      auto ws = st->ws;
      if (ws && st->generation != sent_on) {
        sent_on = st->generation;
        auto again = st->unacked;
        for (auto& [n, at] : again) {
          auto msg = frame(n, at);
          auto [ec, w] = co_await ws->async_write(asio::buffer(msg), asio::as_tuple(asio::use_awaitable));
          if (ec) break;
        }
        continue;
      }
      if (now_us() >= next && next < end_us) {
        st->unacked.emplace_back(k, next);
        ++res.sent;
        if (ws) {
          auto msg = frame(k, next);
          co_await ws->async_write(asio::buffer(msg), asio::as_tuple(asio::use_awaitable));
        }
        ++k;
        next += static_cast<std::int64_t>(per_sender_interval_us);
        continue;
      }
      t.expires_after(std::chrono::microseconds(std::clamp<std::int64_t>(next - now_us(), 0, 20000)));
      co_await t.async_wait(asio::use_awaitable);
    }
  }

  // After the run (--reconnect): every acked message stored, every receiver
  // up to its room's last seq.
  void check_in_postgres() {
    pqxx::connection c(a.pg_url);
    pqxx::work w(c);
    std::vector<std::optional<std::string>> rooms, ids;
    for (auto& [room, st] : clients) rooms.push_back(room);
    for (auto& id : acked_ids) ids.push_back(id);
    std::map<std::string, std::int64_t> last;
    for (auto row : w.exec_params("SELECT room, max(seq) FROM room_events WHERE room = ANY($1::text[]) GROUP BY room",
                                  pg::text_array(rooms)))
      last[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    for (auto& [room, st] : clients)
      if (last[room] > st->last_seq) res.missing += static_cast<std::uint64_t>(last[room] - st->last_seq);
    auto stored =
        w.exec_params1(
             "SELECT count(*) FROM room_events WHERE room = ANY($1::text[]) AND client_msg_id = ANY($2::text[])",
             pg::text_array(rooms), pg::text_array(ids))[0]
            .as<std::uint64_t>();
    res.acked_lost = acked_ids.size() - std::min<std::uint64_t>(stored, acked_ids.size());
  }

  // The next complete frame of a server's stream in `in` from `pos` (server
  // frames are unmasked and never fragmented); false when incomplete.
  static bool next_frame(const std::string& in, std::size_t& pos, unsigned& op, std::string_view& text) {
    std::string_view b(in.data() + pos, in.size() - pos);
    if (b.size() < 2) return false;
    op = static_cast<unsigned char>(b[0]) & 0x0F;
    std::uint64_t len = static_cast<unsigned char>(b[1]) & 0x7F;
    std::size_t head = 2;
    if (len == 126) {
      if (b.size() < 4) return false;
      len = (static_cast<unsigned char>(b[2]) << 8) | static_cast<unsigned char>(b[3]);
      head = 4;
    } else if (len == 127) {
      if (b.size() < 10) return false;
      len = 0;
      for (int i = 2; i < 10; ++i) len = (len << 8) | static_cast<unsigned char>(b[i]);
      head = 10;
    }
    if (b.size() < head + len) return false;
    text = b.substr(head, len);
    pos += head + len;
    return true;
  }

  awaitable<void> run_client(client_spec spec, int slot) {
    if (a.connect_rate > 0) {  // a connect storm paced as clients coming back would be
      asio::steady_timer pace(
          io, std::chrono::microseconds(static_cast<std::int64_t>(1e6 * slot * a.procs / a.connect_rate)));
      co_await pace.async_wait(asio::use_awaitable);
    }
    // What the detached pong and send coroutines use lives as long as they
    // do: a connection that ends while they are pending must not free it.
    struct live {
      explicit live(asio::io_context& io) : ws(io) {}
      bws::stream<beast::tcp_stream> ws;
      std::deque<std::int64_t> scheduled;  // of sends not acked yet, in send order
      bool ready = false;
    };
    auto state = std::make_shared<live>(io);
    auto& ws = state->ws;
    auto& sock = beast::get_lowest_layer(ws).socket();
    const auto& gw = a.gateways[slot % a.gateways.size()];
    const auto& src = a.sources[(slot / a.gateways.size()) % a.sources.size()];
    boost::system::error_code ec;
    bind_source(sock, src);
    auto [cec] =
        co_await sock.async_connect({asio::ip::make_address(gw.first), gw.second}, asio::as_tuple(asio::use_awaitable));
    if (cec) {
      if (res.connect_failed++ == 0) std::cerr << "first connect failure: " << cec.message() << "\n";
      co_return;
    }
    sock.set_option(tcp::no_delay(true), ec);  // as a browser's WebSocket: no Nagle wait on small frames
    ws.set_option(bws::stream_base::timeout::suggested(beast::role_type::client));
    std::string target = "/ws";
    if (a.socketio())
      target = "/socket.io/?EIO=4&transport=websocket";
    else if (a.proto == args::protocol::nchan)
      target = "/ps/" + spec.room;
    else if (a.nats())
      target = "/";
    auto [hec] = co_await ws.async_handshake(gw.first, target, asio::as_tuple(asio::use_awaitable));
    if (hec) {
      if (res.connect_failed++ == 0) std::cerr << "first handshake failure: " << hec.message() << "\n";
      co_return;
    }
    ++res.connected;
    ws.text(true);
    std::map<std::int64_t, std::int64_t> last_of;  // peers: each sender's last counter
    std::int64_t last_seq = -1;
    bool& ready = state->ready;
    if (a.proto == args::protocol::nchan) {
      ready = true;  // subscribed once open
      ++subscribed;
    } else if (a.nats()) {
      // Subscribed when the PONG comes back: the server has the SUB.
      std::string setup = R"(CONNECT {"verbose":false,"pedantic":false,"protocol":1,"echo":true})"
                          "\r\nSUB " +
                          subject(spec.room) + " 1\r\n";
      if (a.proto == args::protocol::nats_js) setup += "SUB _INBOX." + std::to_string(spec.index) + ".* 2\r\n";
      setup += "PING\r\n";
      co_await ws.async_write(asio::buffer(setup), asio::use_awaitable);
    } else if (a.socketio()) {
      // Connect to the namespace at once: the server's open packet may have
      // come with the handshake's answer, into Beast's buffer, never to be
      // read from the socket below.
      std::string connect = "40";
      co_await ws.async_write(asio::buffer(connect), asio::use_awaitable);
    } else {
      std::string hello = R"({"type":"hello","token":")" + spec.token + R"("})";
      co_await ws.async_write(asio::buffer(hello), asio::use_awaitable);
      std::string sub = R"({"type":"subscribe","room":")" + spec.room + R"("})";
      co_await ws.async_write(asio::buffer(sub), asio::use_awaitable);
    }
    auto& scheduled = state->scheduled;
    if (spec.sender) asio::co_spawn(io, send_loop(state, ws, spec, scheduled, ready), asio::detached);
    // The generator must not be the bottleneck: after the handshake it reads
    // the socket in large chunks and splits the server's frames itself (they
    // are unmasked and never fragmented), instead of one Beast read per frame;
    // frames are read with a cheap scan of the fields it needs.
    std::string in, nats_in;
    std::size_t pos = 0;
    std::array<char, 16384> chunk;
    for (;;) {
      auto [rec, n] = co_await sock.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (rec) {
        if (now_us() < end_us && res.closed++ == res.close_frames)
          std::cerr << "first connection lost: " << rec.message() << "\n";
        co_return;
      }
      in.append(chunk.data(), n);
      auto now = now_us();
      unsigned op = 0;
      std::string_view text;
      while (next_frame(in, pos, op, text)) {
        if (op == 0x9) {  // the gateway's keep-alive ping
          asio::co_spawn(io, pong(state, ws, std::string(text)), asio::detached);
          continue;
        }
        if (op == 0x8) {
          if (now < end_us) {
            ++res.closed;
            if (res.close_frames++ == 0 && text.size() >= 2)
              std::cerr << "first close by the server: "
                        << ((static_cast<unsigned char>(text[0]) << 8) | static_cast<unsigned char>(text[1])) << ' '
                        << text.substr(2) << "\n";
          }
          co_return;
        }
        if (a.socketio()) {
          bool more = co_await socketio_frame(ws, spec, text, now, ready, last_of, scheduled);
          if (more) continue;
          co_return;
        }
        if (a.proto == args::protocol::nchan) {
          counted(text, now, spec, last_of, scheduled);
          continue;
        }
        if (a.nats()) {
          nats_in.append(text);
          nats_ops(nats_in, now, spec, ready, last_of, scheduled);
          continue;
        }
        auto t = field(text, "type");
        if (t == "subscribed") {
          last_seq = std::atoll(std::string(field(text, "last_seq")).c_str());
          ready = true;
          ++subscribed;
        } else if (t == "event" && ready) {
          auto seq = std::atoll(std::string(field(text, "seq")).c_str());
          if (seq != last_seq + 1) ++res.order_errors;
          last_seq = seq;
          ++res.delivered;
          auto scheduled_at = std::atoll(std::string(field(text, "body")).c_str());
          if (scheduled_at > 0) res.delivery.add(now - scheduled_at);
        } else if (t == "ack") {
          ack(now, scheduled);
        } else if (t == "error") {
          if (res.errors++ == 0) std::cerr << "first error frame: " << text << "\n";
        }
      }
      in.erase(0, pos);
      pos = 0;
      if (now > end_us + 5'000'000) co_return;
    }
  }

  static std::string subject(const std::string& room) { return "room." + room.substr(room.find(':') + 1); }

  // A peer's body "<sender>:<n>:<time>": every sender's n once, in order,
  // without a gap. With nchan and core NATS the own copy is the ack.
  void counted(std::string_view body, std::int64_t now, const client_spec& spec,
               std::map<std::int64_t, std::int64_t>& last_of, std::deque<std::int64_t>& scheduled) {
    auto c1 = body.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : body.find(':', c1 + 1);
    if (c2 == std::string_view::npos) {
      ++res.errors;
      return;
    }
    auto sender = std::atoll(std::string(body.substr(0, c1)).c_str());
    auto n = std::atoll(std::string(body.substr(c1 + 1, c2 - c1 - 1)).c_str());
    auto [it, fresh] = last_of.try_emplace(sender, -1);
    if (n != it->second + 1) ++res.order_errors;
    it->second = n;
    ++res.delivered;
    res.delivery.add(now - std::atoll(std::string(body.substr(c2 + 1)).c_str()));
    bool echo_ack = a.proto == args::protocol::nchan || a.proto == args::protocol::nats;
    if (echo_ack && sender == spec.index) ack(now, scheduled);
  }

  void ack(std::int64_t now, std::deque<std::int64_t>& scheduled) {
    ++res.acks;
    // Acks come back in send order on a connection.
    if (!scheduled.empty()) {
      res.ack.add(now - scheduled.front());
      scheduled.pop_front();
    }
  }

  // NATS operations, which may span WebSocket frames: consumes the complete
  // ones. MSG on a room subject is a delivery, on this client's inbox a
  // JetStream PubAck; PONG answers the PING after SUB. The server's own
  // PINGs (every 2 minutes) are not answered: runs are shorter.
  void nats_ops(std::string& buf, std::int64_t now, const client_spec& spec, bool& ready,
                std::map<std::int64_t, std::int64_t>& last_of, std::deque<std::int64_t>& scheduled) {
    std::size_t at = 0;
    for (;;) {
      auto eol = buf.find("\r\n", at);
      if (eol == std::string::npos) break;
      std::string_view line(buf.data() + at, eol - at);
      if (line.starts_with("MSG ")) {  // MSG <subject> <sid> [reply-to] <bytes>
        auto bytes = static_cast<std::size_t>(std::atoll(std::string(line.substr(line.rfind(' ') + 1)).c_str()));
        if (buf.size() < eol + 2 + bytes + 2) break;
        std::string_view payload(buf.data() + eol + 2, bytes);
        if (!line.substr(4).starts_with("_INBOX."))
          counted(payload, now, spec, last_of, scheduled);
        else if (payload.find("\"error\"") == std::string_view::npos)
          ack(now, scheduled);
        else if (res.errors++ == 0)
          std::cerr << "first error: " << payload << "\n";
        at = eol + 2 + bytes + 2;
        continue;
      }
      if (line == "PONG" && !ready) {
        ready = true;
        ++subscribed;
      } else if (line.starts_with("-ERR")) {
        if (res.errors++ == 0) std::cerr << "first error: " << line << "\n";
      }
      at = eol + 2;
    }
    buf.erase(0, at);
  }

  // One Engine.IO/Socket.IO text frame: connected ->
  // subscribe (ack id 0); its ack -> ready; an event -> per-sender check;
  // acks of sends (ids from 1) in send order; ping -> pong. False to stop.
  awaitable<bool> socketio_frame(bws::stream<beast::tcp_stream>& ws, const client_spec& spec, std::string_view text,
                                 std::int64_t now, bool& ready, std::map<std::int64_t, std::int64_t>& last_of,
                                 std::deque<std::int64_t>& scheduled) {
    std::string reply;
    if (text.starts_with("0{")) co_return true;  // the open packet: "40" went with the handshake
    if (text.starts_with("40"))
      reply = "420[\"subscribe\",\"" + spec.room + "\"]";
    else if (text == "2")
      reply = "3";
    if (!reply.empty()) {
      auto [ec, n] = co_await ws.async_write(asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
      co_return !ec;
    }
    if (text.starts_with("430")) {
      ready = true;
      ++subscribed;
      co_return true;
    }
    if (text.starts_with("43")) {  // an ack of a send
      ack(now, scheduled);
      co_return true;
    }
    if (text.starts_with("42[\"event\"") && ready) {
      // 42["event","<room>","<sender>:<n>:<time>"]
      auto end = text.rfind('"');
      auto start = end == std::string_view::npos || end == 0 ? end : text.rfind('"', end - 1);
      counted(start == std::string_view::npos ? std::string_view() : text.substr(start + 1, end - start - 1), now, spec,
              last_of, scheduled);
      co_return true;
    }
    if (text.starts_with("44") || text.starts_with("1")) {  // a connect error, a close
      if (res.errors++ == 0) std::cerr << "first error frame: " << text << "\n";
    }
    co_return true;
  }

  // keep: what owns ws, held until the pong is written.
  static awaitable<void> pong([[maybe_unused]] std::shared_ptr<void> keep, bws::stream<beast::tcp_stream>& ws,
                              std::string payload) {
    bws::ping_data p(payload.begin(), payload.end());
    co_await ws.async_pong(p, asio::as_tuple(asio::use_awaitable));
  }

  // `ready`: this client is subscribed (with socket.io the reader writes the
  // subscription itself, and two writes must never overlap on one stream).
  awaitable<void> send_loop([[maybe_unused]] std::shared_ptr<void> keep, bws::stream<beast::tcp_stream>& ws,
                            client_spec spec, std::deque<std::int64_t>& scheduled, const bool& ready) {
    asio::steady_timer t(io);
    // Wait until this process's clients are subscribed, then keep a fixed schedule.
    while (((subscribed < total && now_us() < start_us) || (a.counted() && !ready)) && now_us() < end_us) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(asio::use_awaitable);
    }
    auto next =
        std::max(start_us, now_us()) + static_cast<std::int64_t>(per_sender_interval_us * (spec.index % 97) / 97);
    for (std::uint64_t k = 0; next < end_us; ++k, next += static_cast<std::int64_t>(per_sender_interval_us)) {
      auto wait = next - now_us();
      if (wait > 0) {
        t.expires_after(std::chrono::microseconds(wait));
        co_await t.async_wait(asio::use_awaitable);
      }
      // The body is the scheduled time: receivers measure from it (the peers:
      // the sender and its counter first, for the per-sender check).
      std::string counter = std::to_string(spec.index) + ":" + std::to_string(k) + ":" + std::to_string(next), msg;
      switch (a.proto) {
        case args::protocol::colibri:
          msg = R"({"type":"send","room":")" + spec.room + R"(","body":")" + std::to_string(next) +
                R"(","client_msg_id":")" + std::to_string(spec.index) + "-" + std::to_string(k) + "\"}";
          break;
        case args::protocol::socketio:
          msg = "42" + std::to_string(k + 1) + "[\"send\",\"" + spec.room + "\",\"" + counter + "\"]";
          break;
        case args::protocol::nchan:
          msg = counter;
          break;
        case args::protocol::nats:
          msg = "PUB " + subject(spec.room) + " " + std::to_string(counter.size()) + "\r\n" + counter + "\r\n";
          break;
        case args::protocol::nats_js:
          msg = "PUB " + subject(spec.room) + " _INBOX." + std::to_string(spec.index) + "." + std::to_string(k) + " " +
                std::to_string(counter.size()) + "\r\n" + counter + "\r\n";
          break;
      }
      ++res.sent;
      scheduled.push_back(next);
      auto [ec, n] = co_await ws.async_write(asio::buffer(msg), asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
    }
  }
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  args a;
  std::vector<std::string> gw = {"127.0.0.1:8082"};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--pg-url")
      a.pg_url = v;
    else if (k == "--gateways")
      gw = split(v);
    else if (k == "--sources")
      a.sources = split(v);
    else if (k == "--clients")
      a.clients = std::stoi(v);
    else if (k == "--room-size")
      a.room_size = std::stoi(v);
    else if (k == "--senders-per-room")
      a.senders_per_room = std::stoi(v);
    else if (k == "--rate")
      a.rate = std::stod(v);
    else if (k == "--seconds")
      a.seconds = std::stoi(v);
    else if (k == "--procs")
      a.procs = std::stoi(v);
    else if (k == "--protocol") {
      using p = args::protocol;
      const std::map<std::string, p> names = {{"colibri", p::colibri},
                                              {"socketio", p::socketio},
                                              {"nchan", p::nchan},
                                              {"nats", p::nats},
                                              {"nats-js", p::nats_js}};
      auto it = names.find(v);
      if (it == names.end()) {
        std::cerr << "--protocol colibri|socketio|nchan|nats|nats-js\n";
        return 2;
      }
      a.proto = it->second;
    } else if (k == "--connect-rate") {
      a.connect_rate = std::stod(v);
    } else if (k == "--connect-seconds") {
      a.connect_seconds = std::stoi(v);
    } else if (k == "--reconnect") {
      a.reconnect = v == "1" || v == "yes";
    } else if (k == "--idle") {
      a.idle = true;
      a.clients = std::stoi(v);
    } else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.pg_url.empty()) {
    std::cerr << "--pg-url is required\n";
    return 2;
  }
  for (auto& g : gw) {
    auto c = g.rfind(':');
    a.gateways.emplace_back(g.substr(0, c), static_cast<unsigned short>(std::stoi(g.substr(c + 1))));
  }
  auth::init_crypto();
  auto specs = setup(a);
  int senders = static_cast<int>(std::count_if(specs.begin(), specs.end(), [](auto& s) { return s.sender; }));
  std::cerr << "set up " << specs.size() << " clients, " << senders << " senders\n";
  rlimit rl{65536, 65536};
  setrlimit(RLIMIT_NOFILE, &rl);

  // Time to connect (socket.io takes three exchanges before it is subscribed).
  auto start = now_us() + (a.connect_seconds >= 0
                               ? static_cast<std::int64_t>(a.connect_seconds) * 1'000'000
                               : 3'000'000 + static_cast<std::int64_t>(a.clients) * (a.socketio() ? 2000 : 300));
  auto end = start + static_cast<std::int64_t>(a.seconds) * 1'000'000;
  std::vector<std::pair<pid_t, std::string>> children;
  for (int p = 0; p < a.procs; ++p) {
    std::string out = "/tmp/colibri-load-" + std::to_string(getpid()) + "-" + std::to_string(p);
    pid_t pid = fork();
    if (pid == 0) {
      worker w{a, {}, {}, 0, 0, {0}, 0, 0, {}, {}};
      w.start_us = start;
      w.end_us = end;
      w.per_sender_interval_us = senders ? 1e6 * senders / a.rate : 1e9;
      int slot = 0;
      for (auto& s : specs)
        if (s.index % a.procs == p) {
          ++w.total;
          if (a.reconnect && !a.idle) {
            w.clients.emplace_back();
            asio::co_spawn(w.io, w.run_resuming(s, slot++), asio::detached);
          } else {
            asio::co_spawn(w.io, w.run_client(s, slot++), asio::detached);
          }
        }
      w.io.run_for(std::chrono::microseconds(end - now_us() + 6'000'000));
      if (a.reconnect && !a.idle) w.check_in_postgres();
      std::ofstream(out) << w.res.serialize();
      _exit(0);
    }
    children.emplace_back(pid, out);
  }
  results total;
  for (auto& [pid, out] : children) {
    int status;
    waitpid(pid, &status, 0);
    std::ifstream in(out);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    total.merge_serialized(s);
    std::remove(out.c_str());
  }
  double secs = a.seconds;
  std::printf(
      "clients %d (connected %llu, failed to connect %llu, dropped %llu, %llu of them closed by the server), procs %d, "
      "gateways %zu, sources %zu\n",
      a.clients, static_cast<unsigned long long>(total.connected),
      static_cast<unsigned long long>(total.connect_failed), static_cast<unsigned long long>(total.closed),
      static_cast<unsigned long long>(total.close_frames), a.procs, a.gateways.size(), a.sources.size());
  if (!a.idle) {
    std::printf("sent %llu (%.0f/s), acked %llu (%.0f/s), ack latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
                static_cast<unsigned long long>(total.sent), total.sent / secs,
                static_cast<unsigned long long>(total.acks), total.acks / secs, total.ack.percentile(0.5),
                total.ack.percentile(0.99), total.ack.percentile(0.999), total.ack.max / 1000.0);
    std::printf("delivered %llu (%.0f/s), delivery latency ms p50 %.2f p99 %.2f p99.9 %.2f max %.2f\n",
                static_cast<unsigned long long>(total.delivered), total.delivered / secs,
                total.delivery.percentile(0.5), total.delivery.percentile(0.99), total.delivery.percentile(0.999),
                total.delivery.max / 1000.0);
  }
  std::printf("order errors %llu, errors %llu\n", static_cast<unsigned long long>(total.order_errors),
              static_cast<unsigned long long>(total.errors));
  if (a.reconnect && !a.idle) {
    // Through faults error answers are expected (and retried); loss and order are not.
    std::printf(
        "reconnects %llu, missing at the end %llu, acked and not stored %llu, longest wait between two "
        "deliveries %.0f ms\n",
        static_cast<unsigned long long>(total.reconnects), static_cast<unsigned long long>(total.missing),
        static_cast<unsigned long long>(total.acked_lost), total.max_gap_us / 1000.0);
    return total.order_errors == 0 && total.missing == 0 && total.acked_lost == 0 && total.connect_failed == 0 ? 0 : 1;
  }
  return total.order_errors == 0 && total.errors == 0 && total.connect_failed == 0 ? 0 : 1;
}
