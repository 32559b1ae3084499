#pragma once
// The gateway process's wiring, so that main.cpp reads like the other
// services': the settings, then run(). One Redis subscriber connection feeds
// the hub (room channels), the gateway (per-person channels) and the
// revocations; after a Redis outage, rooms catch up from PostgreSQL and
// sessions are re-checked there, in case a message was missed.
#include "colibri/chat/gateway.hpp"
#include "colibri/chat/hub.hpp"
#include "colibri/core/config.hpp"
#include "colibri/ratelimit/limiter.hpp"
#include "colibri/roomlog/room_log.hpp"
#include "colibri/service/runtime.hpp"

namespace colibri::chat {

struct service_settings {
  service::common_settings common;
  gateway_settings gateway;
  ratelimit::settings rate;
  roomlog::options log;
  presence_settings presence;
};

// Every setting of the gateway (finish_config is the caller's).
service_settings read_service_settings(core::config& cfg);

// Runs the gateway until it is told to stop; the process's exit code.
int run(service_settings s);

}  // namespace colibri::chat
