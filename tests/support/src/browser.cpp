#include "colibri/test/browser.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "colibri/json/writer.hpp"
#include "colibri/test/client.hpp"

namespace colibri::test {

namespace {

std::string b64decode(const std::string& in) {
  static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    auto p = chars.find(c);
    if (p == std::string::npos) continue;  // padding, line breaks
    val = (val << 6) + static_cast<int>(p);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

const json::value& member(const json::value& v, const char* key) {
  static const json::value none;
  auto f = v.find(key);
  return f ? *f : none;
}

}  // namespace

std::string page::quote(const std::string& s) {
  json::writer w;
  w.value(s);
  return w.release();
}

json::value page::call(const std::string& method, const std::string& params_json) {
  return b_.call(method, params_json, session_);
}

void page::go(const std::string& url) {
  call("Page.navigate", "{\"url\":" + quote(url) + "}");
  if (!wait_for("document.readyState === 'complete' && location.href !== 'about:blank'", std::chrono::seconds(20)))
    throw std::runtime_error("page did not load: " + url);
}

std::string page::eval(const std::string& js) {
  auto r = call("Runtime.evaluate", "{\"expression\":" + quote("(async () => JSON.stringify(await (" + js + ")))()") +
                                        ",\"awaitPromise\":true,\"returnByValue\":true}");
  if (auto ex = r.find("exceptionDetails")) {
    auto d = member(member(*ex, "exception"), "description").as_string();
    throw std::runtime_error("evaluate failed: " + (d ? *d : std::string("exception")) + " in: " + js);
  }
  auto v = member(member(r, "result"), "value").as_string();
  return v ? *v : "null";
}

std::string page::text(const std::string& js) {
  auto v = json::parse(eval("String(" + js + ")"));
  if (!v || !v->as_string()) throw std::runtime_error("not a string: " + js);
  return *v->as_string();
}

bool page::wait_for(const std::string& js, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    try {
      if (eval("!!(" + js + ")") == "true") return true;
    } catch (const std::exception&) {
      // the page is between documents: try again
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void page::click(const std::string& css) {
  if (!wait_for("document.querySelector(" + quote(css) + ")")) throw std::runtime_error("nothing to click: " + css);
  eval("document.querySelector(" + quote(css) + ").click()");
}

void page::type(const std::string& css, const std::string& text) {
  if (!wait_for("document.querySelector(" + quote(css) + ")")) throw std::runtime_error("nothing to type into: " + css);
  eval("(() => { const e = document.querySelector(" + quote(css) + "); e.focus(); e.value = ''; })()");
  call("Input.insertText", "{\"text\":" + quote(text) + "}");
}

void page::press(const std::string& key, int key_code) {
  for (const char* type : {"keyDown", "keyUp"})
    call("Input.dispatchKeyEvent", std::string(R"({"type":")") + type + R"(","key":)" + quote(key) + R"(,"code":)" +
                                       quote(key) + R"(,"windowsVirtualKeyCode":)" + std::to_string(key_code) + "}");
}

void page::viewport(int width, int height, bool mobile) {
  call("Emulation.setDeviceMetricsOverride",
       "{\"width\":" + std::to_string(width) + ",\"height\":" + std::to_string(height) +
           ",\"deviceScaleFactor\":1,\"mobile\":" + (mobile ? "true" : "false") + "}");
}

void page::screenshot(const std::string& png_path) {
  auto r = call("Page.captureScreenshot", "{\"format\":\"png\",\"captureBeyondViewport\":true}");
  auto data = member(r, "data").as_string();  // r outlives data
  if (!data) throw std::runtime_error("no screenshot data");
  std::ofstream(png_path, std::ios::binary) << b64decode(*data);
}

browser::browser() {
  const char* bin = std::getenv("COLIBRI_CHROMIUM");
  std::string profile = dir_.path() + "/profile";
  proc_ = process(
      {bin ? bin : "/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
       "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
       "--disable-component-update", "--disable-sync", "--mute-audio", "--remote-debugging-address=127.0.0.1",
       "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank"},
      {}, dir_.path() + "/chromium.log");
  // Chromium writes the port it chose and the browser's endpoint here.
  std::string port, path;
  for (int i = 0; i < 600 && path.empty(); ++i) {
    std::ifstream f(profile + "/DevToolsActivePort");
    if (f && std::getline(f, port) && std::getline(f, path)) break;
    path.clear();
    if (!proc_.running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (path.empty()) throw std::runtime_error("chromium did not start: " + proc_.log_tail());
  ws_ = std::make_unique<ws_client>(static_cast<unsigned short>(std::stoi(port)), path);
  if (!ws_->open()) throw std::runtime_error("cannot reach chromium's DevTools endpoint");
}

browser::~browser() {
  ws_.reset();
  proc_.stop(15, std::chrono::seconds(5));
}

json::value browser::call(const std::string& method, const std::string& params_json, const std::string& session) {
  auto id = next_id_++;
  std::string msg =
      "{\"id\":" + std::to_string(id) + ",\"method\":" + page::quote(method) + ",\"params\":" + params_json;
  if (!session.empty()) msg += ",\"sessionId\":" + page::quote(session);
  ws_->send(msg + "}");
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    auto frame = ws_->read(std::chrono::seconds(30));
    if (std::getenv("COLIBRI_CDP_DEBUG"))
      fprintf(stderr, "cdp <- %s\n", frame ? frame->substr(0, 300).c_str() : "(none)");
    if (!frame) break;
    auto doc = json::parse(*frame);
    if (!doc) continue;
    auto fid = doc->find("id");
    if (!fid || !fid->as_int() || *fid->as_int() != id) continue;  // an event, or another reply
    if (auto err = doc->find("error")) {
      auto m = err->find("message");
      throw std::runtime_error(method + ": " + (m && m->as_string() ? *m->as_string() : std::string("error")));
    }
    return member(*doc, "result");
  }
  throw std::runtime_error("no answer from chromium to " + method);
}

std::unique_ptr<page> browser::new_page() {
  // Copies, not pointers into the temporary results.
  auto text = [](const json::value& v, const char* key) {
    auto s = member(v, key).as_string();
    if (!s) throw std::runtime_error(std::string("chromium gave no ") + key);
    return *s;
  };
  auto ctx = text(call("Target.createBrowserContext", "{}"), "browserContextId");
  auto target =
      text(call("Target.createTarget", "{\"url\":\"about:blank\",\"browserContextId\":" + page::quote(ctx) + "}"),
           "targetId");
  auto session =
      text(call("Target.attachToTarget", "{\"targetId\":" + page::quote(target) + ",\"flatten\":true}"), "sessionId");
  std::unique_ptr<page> p(new page(*this, session));
  p->call("Page.enable");
  p->call("Runtime.enable");
  return p;
}

}  // namespace colibri::test
