#include "colibri/core/messages.hpp"
#include "colibri/core/result.hpp"

namespace colibri::core {

std::string_view code_string(errc e) {
  switch (e) {
    case errc::invalid_json:
      return "invalid_json";
    case errc::validation_failed:
      return "validation_failed";
    case errc::unauthenticated:
      return "unauthenticated";
    case errc::forbidden:
      return "forbidden";
    case errc::not_found:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::conflict:
      return "conflict";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::rate_limited:
      return "rate_limited";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
  }
  return "internal";
}

int http_status(errc e) {
  switch (e) {
    case errc::invalid_json:
      return 400;
    case errc::validation_failed:
      return 400;
    case errc::unauthenticated:
      return 401;
    case errc::forbidden:
      return 403;
    case errc::not_found:
      return 404;
    case errc::method_not_allowed:
      return 405;
    case errc::conflict:
      return 409;
    case errc::payload_too_large:
      return 413;
    case errc::rate_limited:
      return 429;
    case errc::unavailable:
      return 503;
    case errc::internal:
      return 500;
  }
  return 500;
}

error default_error(errc c) {
  switch (c) {
    case errc::invalid_json:
      return error::make(c, core::message(core::msg::invalid_json));
    case errc::validation_failed:
      return error::make(c, core::message(core::msg::validation_failed));
    case errc::unauthenticated:
      return error::make(c, core::message(core::msg::unauthenticated));
    case errc::forbidden:
      return error::make(c, core::message(core::msg::forbidden));
    case errc::not_found:
      return error::make(c, core::message(core::msg::not_found));
    case errc::method_not_allowed:
      return error::make(c, core::message(core::msg::method_not_allowed));
    case errc::conflict:
      return error::make(c, core::message(core::msg::conflict));
    case errc::payload_too_large:
      return error::make(c, core::message(core::msg::payload_too_large));
    case errc::rate_limited: {
      auto e = error::make(c, core::message(core::msg::rate_limited));
      e.retry_after_s = 60;
      return e;
    }
    case errc::unavailable: {
      auto e = error::make(c, core::message(core::msg::unavailable));
      e.retry_after_s = 5;
      return e;
    }
    case errc::internal:
      break;
  }
  return error::make(errc::internal, core::message(core::msg::internal));
}

}  // namespace colibri::core
