#include "colibri/test/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <set>

#include "colibri/json/value.hpp"

namespace colibri::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace bws = beast::websocket;
using tcp = asio::ip::tcp;

bool tcp_port_open(unsigned short port) {
  asio::io_context io;
  tcp::socket s(io);
  boost::system::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  return !ec;
}

namespace {
// Runs the io_context until the operation completes or the timeout hits.
template <class Op>
boost::system::error_code run_with_timeout(asio::io_context& io, std::chrono::milliseconds timeout, Op op,
                                           beast::tcp_stream& stream) {
  boost::system::error_code result = asio::error::would_block;
  stream.expires_after(timeout);
  op([&](boost::system::error_code ec, std::size_t) { result = ec; });
  io.restart();
  io.run();
  return result;
}
}  // namespace

http_result http_call(unsigned short port, const std::string& method, const std::string& target,
                      const std::string& body, const std::map<std::string, std::string>& headers,
                      std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  bool has_type = false;
  for (auto& [k, v] : headers) {
    req.set(k, v);
    if (k == "Content-Type") has_type = true;
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  auto ec = run_with_timeout(
      io, timeout, [&](auto h) { bhttp::async_write(stream, req, h); }, stream);
  if (ec) throw boost::system::system_error(ec, "http write");
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  ec = run_with_timeout(
      io, timeout, [&](auto h) { bhttp::async_read(stream, buf, res, h); }, stream);
  if (ec) throw boost::system::system_error(ec, "http read");
  http_result out;
  out.status = res.result_int();
  out.body = res.body();
  for (auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  return out;
}

struct ws_client::impl {
  asio::io_context io;
  bws::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buf;
  int status = 0;
  bool open = false;
  std::optional<ws_close> closed;
  // A read left pending by a timeout: the next read() waits for it.
  bool reading = false;
  bool read_done = false;
  boost::system::error_code read_ec;
  std::set<std::string> ignored;
};

ws_client::ws_client(unsigned short port, const std::string& path, const std::string& origin, int receive_buffer)
    : impl_(std::make_unique<impl>()) {
  auto& s = beast::get_lowest_layer(impl_->ws);
  s.expires_after(std::chrono::seconds(10));
  if (receive_buffer > 0) {
    s.socket().open(tcp::v4());
    s.socket().set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  }
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  if (!origin.empty())
    impl_->ws.set_option(
        bws::stream_base::decorator([origin](bws::request_type& r) { r.set(bhttp::field::origin, origin); }));
  bws::response_type res;
  boost::system::error_code ec = asio::error::would_block;
  impl_->ws.async_handshake(res, "127.0.0.1", path, [&](boost::system::error_code e) { ec = e; });
  impl_->io.run();
  impl_->status = res.result_int();
  impl_->open = !ec;
  s.expires_never();
}

ws_client::~ws_client() = default;
bool ws_client::open() const { return impl_->open; }
int ws_client::handshake_status() const { return impl_->status; }
const std::optional<ws_close>& ws_client::closed() const { return impl_->closed; }

void ws_client::send(const std::string& text) {
  impl_->ws.text(true);
  boost::system::error_code ec = asio::error::would_block;
  bool done = false;
  impl_->ws.async_write(asio::buffer(text), [&](boost::system::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  impl_->io.restart();
  // Run until this write is done; a pending read may complete meanwhile and
  // keeps its frame for the next read().
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) impl_->io.run_one_for(std::chrono::milliseconds(100));
  if (!done) throw std::runtime_error("ws write timed out");
  if (ec) throw boost::system::system_error(ec, "ws write");
}

void ws_client::ignore_type(const std::string& type) { impl_->ignored.insert(type); }

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto f = read_one(std::max(left, std::chrono::milliseconds(0)));
    if (!f || impl_->ignored.empty() || !impl_->ignored.count(json_at(*f, "type").value_or(""))) return f;
  }
}

std::optional<std::string> ws_client::read_one(std::chrono::milliseconds timeout) {
  if (impl_->closed) return std::nullopt;
  if (!impl_->reading) {
    impl_->reading = true;
    impl_->read_done = false;
    impl_->ws.async_read(impl_->buf, [this](boost::system::error_code e, std::size_t) {
      impl_->read_ec = e;
      impl_->read_done = true;
    });
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  impl_->io.restart();
  while (!impl_->read_done && std::chrono::steady_clock::now() < deadline)
    impl_->io.run_one_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(100),
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) +
            std::chrono::milliseconds(1)));
  if (!impl_->read_done) return std::nullopt;  // timed out; the read stays pending
  impl_->reading = false;
  if (impl_->read_ec) {
    auto reason = impl_->ws.reason();
    impl_->closed = ws_close{static_cast<int>(reason.code), std::string(reason.reason.c_str())};
    return std::nullopt;
  }
  std::string out = beast::buffers_to_string(impl_->buf.data());
  impl_->buf.consume(impl_->buf.size());
  return out;
}

std::optional<std::string> ws_client::read_until(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto f = read(left);
    if (!f) return std::nullopt;
    if (f->find(needle) != std::string::npos) return f;
  }
  return std::nullopt;
}

ws_close ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->closed && std::chrono::steady_clock::now() < deadline) {
    read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  }
  return impl_->closed.value_or(ws_close{0, "still open"});
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::optional<std::string> json_at(const std::string& text, const std::string& path) {
  auto doc = json::parse(text);
  if (!doc) return std::nullopt;
  const json::value* v = &*doc;
  std::size_t start = 0;
  while (v && start <= path.size()) {
    auto dot = path.find('.', start);
    auto key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (v->as_array() && !key.empty() && key.find_first_not_of("0123456789") == std::string::npos) {
      auto i = std::stoul(key);  // "list.0.field": an array index
      v = i < v->as_array()->size() ? &(*v->as_array())[i] : nullptr;
    } else {
      v = v->find(key);
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!v) return std::nullopt;
  if (auto s = v->as_string()) return *s;
  if (auto i = v->as_int()) return std::to_string(*i);
  if (auto b = v->as_bool()) return *b ? "true" : "false";
  if (v->is_null()) return "null";
  return std::nullopt;
}

}  // namespace colibri::test
