#include "colibri/http/server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "colibri/core/lasting.hpp"
#include "colibri/core/log.hpp"
#include "colibri/core/messages.hpp"
#include "ws_connection.hpp"

namespace colibri::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace bws = boost::beast::websocket;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

method to_method(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return method::get;
    case bhttp::verb::head:
      return method::head;
    case bhttp::verb::post:
      return method::post;
    case bhttp::verb::put:
      return method::put;
    case bhttp::verb::patch:
      return method::patch;
    case bhttp::verb::delete_:
      return method::delete_;
    case bhttp::verb::options:
      return method::options;
    default:
      return method::other;
  }
}

void log_failure(const char* what, std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    log::error(what, {{"error", e.what()}});
  } catch (...) {
    log::error(what);
  }
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

// "Expect: 100-continue" (curl's habit above 1 MiB): say go on before
// reading the body, or the client waits a second for nothing.
bool expects_continue(std::string_view expect) { return expect.size() == 12 && beast::iequals(expect, "100-continue"); }

awaitable<void> send_continue(beast::tcp_stream& stream) {
  static constexpr std::string_view k_continue = "HTTP/1.1 100 Continue\r\n\r\n";
  auto [ec, n] =
      co_await asio::async_write(stream, asio::buffer(k_continue.data(), k_continue.size()), as_tuple(use_awaitable));
  if (ec) throw std::system_error(ec);
}

// The body of a streaming route, read into the handler's string as it asks.
class streamed_body final : public body_reader {
 public:
  streamed_body(beast::tcp_stream& s, beast::flat_buffer& b, bhttp::request_parser<bhttp::buffer_body>& p,
                std::chrono::seconds timeout, std::string_view expect)
      : stream_(s), buffer_(b), parser_(p), timeout_(timeout), expects_continue_(expects_continue(expect)) {}

  awaitable<bool> read(std::string& out, std::size_t max) override {
    if (parser_.is_done()) co_return false;
    if (broken_) throw std::runtime_error("request body broken");
    if (expects_continue_) {
      // Asked for on the first read only: a handler that refuses from the
      // header alone (413 on the declared length) never solicits the body.
      expects_continue_ = false;
      co_await send_continue(stream_);
    }
    auto at = out.size();
    out.resize(at + max);
    parser_.get().body().data = out.data() + at;
    parser_.get().body().size = max;
    stream_.expires_after(timeout_);
    auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, parser_, as_tuple(use_awaitable));
    out.resize(at + (max - parser_.get().body().size));
    if (ec == bhttp::error::need_buffer) ec = {};
    if (ec) {
      broken_ = true;
      throw std::runtime_error("request body broken: " + ec.message());
    }
    co_return out.size() > at || !parser_.is_done();
  }

  std::optional<std::uint64_t> length() const override {
    auto l = parser_.content_length();
    if (!l) return std::nullopt;
    return *l;
  }

  bool broken() const { return broken_; }

 private:
  beast::tcp_stream& stream_;
  beast::flat_buffer& buffer_;
  bhttp::request_parser<bhttp::buffer_body>& parser_;
  std::chrono::seconds timeout_;
  bool expects_continue_;
  bool broken_ = false;
};

}  // namespace

struct server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io, server_options o, const router& r, ws_handler w)
      : io(io), opts(std::move(o)), routes(r), ws(std::move(w)), acceptor(io) {}

  asio::io_context& io;
  server_options opts;
  const router& routes;
  ws_handler ws;
  tcp::acceptor acceptor;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> in_flight{0};

  request to_request(const bhttp::request_header<>& r, const tcp::endpoint& peer) {
    request out;
    out.verb = to_method(r.method());
    out.target = std::string(r.target());
    std::string_view t = r.target();
    auto qpos = t.find('?');
    out.path = percent_decode(t.substr(0, qpos), false).value_or(std::string(t.substr(0, qpos)));
    if (qpos != std::string_view::npos) out.query = parse_query(t.substr(qpos + 1));
    for (const auto& f : r) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    out.remote_address = peer.address().to_string();
    if (contains(opts.trusted_proxies, out.remote_address)) {
      if (auto real = out.header("x-real-ip"); !real.empty()) {
        out.remote_address = std::string(real);
      } else if (auto fwd = out.header("x-forwarded-for"); !fwd.empty()) {
        // The right-most entry is the one our proxy appended.
        auto comma = fwd.rfind(',');
        auto last = comma == std::string_view::npos ? fwd : fwd.substr(comma + 1);
        while (!last.empty() && last.front() == ' ') last.remove_prefix(1);
        out.remote_address = std::string(last);
      }
    }
    out.lang = core::lang_from_accept_language(out.header("accept-language"));
    return out;
  }

  // The header every response carries, whatever its body.
  template <class Body>
  static void set_header(bhttp::response<Body>& res, const response& r, bool keep_alive) {
    res.set(bhttp::field::server, "colibri");
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    res.set(bhttp::field::cache_control, "no-store");
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
  }

  static bhttp::response<bhttp::string_body> to_beast(const response& r, unsigned version, bool keep_alive) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    set_header(res, r, keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    return res;
  }

  // A HEAD request gets the GET answer's header (its Content-Length
  // included) and no body, or a keep-alive client would read the body as
  // the next response.
  awaitable<void> write(beast::tcp_stream& stream, const response& r, unsigned version, bool keep_alive,
                        bool head = false) {
    if (r.body_pieces) {
      co_await write_pieces(stream, r, version, keep_alive, head);
      co_return;
    }
    auto res = to_beast(r, version, keep_alive);
    stream.expires_after(opts.request_timeout);
    if (head) {
      bhttp::response_serializer<bhttp::string_body> sr{res};
      co_await bhttp::async_write_header(stream, sr, as_tuple(use_awaitable));
    } else {
      co_await bhttp::async_write(stream, res, as_tuple(use_awaitable));
    }
  }

  // A body produced piece by piece: the header (with the announced length),
  // then each piece as it comes, never more than one piece in memory. A
  // producer that fails or falls short leaves the connection to be closed
  // (the client sees a short body, never a wrong one).
  awaitable<void> write_pieces(beast::tcp_stream& stream, const response& r, unsigned version, bool keep_alive,
                               bool head) {
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(r.status), version};
    set_header(res, r, keep_alive);
    res.content_length(r.body_length);
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    stream.expires_after(opts.request_timeout);
    auto [ec, n] = co_await bhttp::async_write_header(stream, sr, as_tuple(use_awaitable));
    if (ec) throw std::system_error(ec);
    if (head) co_return;
    std::uint64_t sent = 0;
    while (sent < r.body_length) {
      auto piece = co_await r.body_pieces();
      if (piece.empty() || sent + piece.size() > r.body_length) throw std::runtime_error("body producer fell short");
      stream.expires_after(opts.request_timeout);
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(piece), as_tuple(use_awaitable));
      if (wec) throw std::system_error(wec);
      sent += piece.size();
    }
  }

  awaitable<response> dispatch(request& req, const router::match& m) {
    if (!m.h) {
      if (!m.allow.empty()) {
        auto r = response::error(core::errc::method_not_allowed, req.lang);
        r.headers.emplace_back("Allow", m.allow);
        co_return r;
      }
      co_return response::error(core::errc::not_found, req.lang);
    }
    auto started = std::chrono::steady_clock::now();
    response res;
    try {
      res = co_await (*m.h)(req);
    } catch (const core::dependency_unavailable& e) {
      log::warn("dependency unavailable", {{"route", *m.pattern}, {"error", e.what()}});
      res = response::error(core::errc::unavailable, req.lang);
    } catch (const std::exception& e) {
      log::error("request failed", {{"route", *m.pattern}, {"error", e.what()}});
      res = response::error(core::errc::internal, req.lang);
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    log::info("request", {{"method", to_string(req.verb)},
                          {"route", *m.pattern},
                          {"status", res.status},
                          {"ms", static_cast<std::int64_t>(ms.count())}});
    co_return res;
  }

  // Beast answers the handshake; the frames are ours (ws_connection.hpp). The
  // handler runs in its own coroutine, so this connection's HTTP state (parser,
  // buffer) is freed once the socket is upgraded.
  awaitable<void> upgrade(beast::tcp_stream stream, bhttp::request<bhttp::string_body> breq, request req,
                          std::string already_read) {
    auto version = breq.version();
    if (!ws || req.path != opts.ws_path) {
      co_await write(stream, response::error(core::errc::not_found, req.lang), version, false);
      co_return;
    }
    auto origin = req.header("origin");
    if ((origin.empty() && opts.require_origin) || (!origin.empty() && !contains(opts.allowed_origins, origin))) {
      log::warn("websocket origin refused", {{"origin", origin}});
      co_await write(stream, response::error(core::errc::forbidden, req.lang), version, false);
      co_return;
    }
    stream.expires_after(std::chrono::seconds(10));
    bws::stream<beast::tcp_stream> hs(std::move(stream));
    hs.set_option(
        bws::stream_base::decorator([](bws::response_type& res) { res.set(bhttp::field::server, "colibri"); }));
    auto [ec] = co_await hs.async_accept(breq, as_tuple(use_awaitable));
    if (ec) co_return;
    beast::get_lowest_layer(hs).expires_never();
    detail::ws_limits lim;
    lim.max_message = opts.ws_max_message;
    lim.idle_timeout = opts.ws_idle_timeout;
    lim.close_timeout = opts.ws_close_timeout;
    auto conn = core::make_lasting<detail::ws_connection>(beast::get_lowest_layer(hs).release_socket(),
                                                          std::move(already_read), lim);
    conn->start();
    asio::co_spawn(conn->executor(), ws(conn, std::move(req)), [conn](std::exception_ptr ep) {
      if (!ep) return;
      log_failure("websocket handler failed", ep);
      conn->close(1011, "internal error", true);
    });
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::error_code pec;
    auto peer = stream.socket().remote_endpoint(pec);
    beast::flat_buffer buffer;
    for (;;) {
      // The header first: the route decides how the body is read (whole,
      // within the body limit, or streamed to the handler).
      bhttp::request_parser<bhttp::empty_body> hp;
      hp.header_limit(16 * 1024);
      hp.body_limit(boost::none);  // each route's own limit applies below
      stream.expires_after(opts.request_timeout);
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, hp, as_tuple(use_awaitable));
      if (closed_quietly(ec)) break;
      if (ec) {
        co_await write_malformed(stream);
        break;
      }
      auto req = to_request(hp.get(), peer);
      auto m = routes.find(req);
      bool upgrade_asked = bws::is_upgrade(hp.get());
      auto version = hp.get().version();
      bool keep_asked = hp.get().keep_alive();
      response res;
      bool body_done = true;
      if (m.h && m.streaming && !upgrade_asked) {
        bhttp::request_parser<bhttp::buffer_body> bp{std::move(hp)};
        bp.body_limit(boost::none);
        streamed_body body(stream, buffer, bp, opts.request_timeout, req.header("expect"));
        req.body_stream = &body;
        ++in_flight;
        try {
          res = co_await dispatch(req, m);
        } catch (...) {
          --in_flight;
          throw;
        }
        body_done = bp.is_done() && !body.broken();
        --in_flight;
        if (body.broken()) break;  // nobody left to answer
      } else {
        bhttp::request_parser<bhttp::string_body> sp{std::move(hp)};
        sp.body_limit(opts.body_limit);
        // The parser checks a declared length against its limit when the
        // header completes, which happened above: check it here, before the
        // client is told to send the body.
        if (auto declared = sp.content_length(); declared && *declared > opts.body_limit) {
          co_await write(stream, response::error(core::errc::payload_too_large, core::lang::fr), 11, false);
          break;
        }
        co_await continue_if_expected(stream, req);
        stream.expires_after(opts.request_timeout);
        auto [bec, bn] = co_await bhttp::async_read(stream, buffer, sp, as_tuple(use_awaitable));
        if (bec == bhttp::error::body_limit) {
          co_await write(stream, response::error(core::errc::payload_too_large, core::lang::fr), 11, false);
          break;
        }
        if (closed_quietly(bec)) break;
        if (bec) {
          co_await write_malformed(stream);
          break;
        }
        if (upgrade_asked) {
          std::string rest = beast::buffers_to_string(buffer.data());
          co_await upgrade(std::move(stream), sp.release(), std::move(req), std::move(rest));
          co_return;
        }
        req.body = std::move(sp.get().body());
        ++in_flight;
        try {
          res = co_await dispatch(req, m);
        } catch (...) {
          --in_flight;
          throw;
        }
        --in_flight;
      }
      // A streamed body the handler did not read to its end (a 413) ends
      // the connection: what follows on it is the rest of that body.
      bool keep = keep_asked && body_done && !stopping;
      co_await write(stream, res, version, keep, req.verb == method::head);
      if (!keep) break;
    }
    co_await linger_close(stream);
  }

  static bool closed_quietly(const beast::error_code& ec) {
    return ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::connection_reset ||
           ec == asio::error::eof || ec == asio::error::operation_aborted;
  }

  awaitable<void> write_malformed(beast::tcp_stream& stream) {
    auto e = core::error::make(core::errc::validation_failed, core::message(core::msg::malformed_http));
    co_await write(stream, response::error(e, core::lang::fr), 11, false);
  }

  static awaitable<void> continue_if_expected(beast::tcp_stream& stream, const request& req) {
    if (expects_continue(req.header("expect"))) co_await send_continue(stream);
  }

  // Closing a socket that still holds unread bytes sends a TCP reset, and the
  // peer (nginx) may then lose the response we just wrote (a 413 sent before
  // the body was read). So: shut down our side, then read and discard what the
  // client is still sending, bounded in bytes and time, before closing.
  static awaitable<void> linger_close(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    std::array<char, 16 * 1024> sink;
    std::size_t drained = 0;
    stream.expires_after(std::chrono::seconds(2));
    while (drained < (4u << 20)) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), as_tuple(use_awaitable));
      if (rec) break;
      drained += n;
    }
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), as_tuple(use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        log::warn("accept failed", {{"error", ec.message()}});
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      auto ex = socket.get_executor();
      asio::co_spawn(
          ex, [self = shared_from_this(), s = std::move(socket)]() mutable { return self->session(std::move(s)); },
          [](std::exception_ptr ep) {
            if (ep) log_failure("connection task failed", ep);
          });
    }
  }
};

server::server(asio::io_context& io, server_options opts, const router& routes, ws_handler ws)
    : impl_(std::make_shared<impl>(io, std::move(opts), routes, std::move(ws))) {}

server::~server() = default;

void server::start() {
  tcp::endpoint ep(asio::ip::make_address(impl_->opts.address), impl_->opts.port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(
      impl_->io, [self = impl_]() { return self->accept_loop(); }, asio::detached);
}

void server::stop() {
  impl_->stopping = true;
  asio::post(impl_->io, [self = impl_] {
    beast::error_code ec;
    self->acceptor.close(ec);
  });
}

std::uint16_t server::port() const { return impl_->acceptor.local_endpoint().port(); }
std::size_t server::in_flight() const { return impl_->in_flight; }

}  // namespace colibri::http
