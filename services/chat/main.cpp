// colibri-chat: the realtime WebSocket gateway (/ws).
#include "colibri/chat/service.hpp"

using namespace colibri;

int main(int argc, char** argv) {
  return service::guarded_main("chat", argc, argv, [](core::config& cfg) {
    auto settings = chat::read_service_settings(cfg);
    service::finish_config(cfg);
    return chat::run(std::move(settings));
  });
}
