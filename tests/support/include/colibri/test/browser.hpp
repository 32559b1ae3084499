#pragma once
// Debian's Chromium, headless, driven over the DevTools protocol (CDP) on
// loopback, for end-to-end tests of the web client. Each context is an
// isolated browser context (its own storage, like a second person on
// another device) with one page. Every wait is bounded.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "colibri/json/value.hpp"
#include "colibri/test/process.hpp"

namespace colibri::test {

class ws_client;
class browser;

class page {
 public:
  // Loads a URL and waits for the document to be complete.
  void go(const std::string& url);
  // Evaluates a JavaScript expression (awaited when it is a promise) and
  // returns its value as JSON text ("null" when undefined).
  std::string eval(const std::string& js);
  // The same for an expression whose value is a string: that string.
  std::string text(const std::string& js);
  // Waits until the expression is truthy; false after the timeout.
  bool wait_for(const std::string& js, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The first element matching a CSS selector: clicked, or typed into (its
  // text replaced with real text input events).
  void click(const std::string& css);
  void type(const std::string& css, const std::string& text);
  // The viewport (CSS pixels); mobile: a touch phone's.
  void viewport(int width, int height, bool mobile);
  // A PNG of the whole page as it is now.
  void screenshot(const std::string& png_path);
  // A JSON string literal of s, for building expressions.
  static std::string quote(const std::string& s);
  // A DevTools protocol command on this page's session: its result.
  json::value call(const std::string& method, const std::string& params_json = "{}");
  // A key pressed and released (DevTools Input.dispatchKeyEvent): "Enter", "Tab"...
  void press(const std::string& key, int key_code);

 private:
  friend class browser;
  page(browser& b, std::string session) : b_(b), session_(std::move(session)) {}
  browser& b_;
  std::string session_;
};

class browser {
 public:
  // Starts /usr/bin/chromium (or $COLIBRI_CHROMIUM) with a fresh profile.
  browser();
  ~browser();
  // A new isolated context with one blank page.
  std::unique_ptr<page> new_page();
  // The method's result; throws with CDP's message on an error.
  json::value call(const std::string& method, const std::string& params_json, const std::string& session = {});

 private:
  temp_dir dir_;
  process proc_;
  std::unique_ptr<ws_client> ws_;
  std::int64_t next_id_ = 1;
};

}  // namespace colibri::test
