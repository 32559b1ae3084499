// jemalloc's options for a long-running service (docs/adr/0009-jemalloc.md),
// compiled into each service executable: jemalloc reads this symbol from the
// program at start-up; MALLOC_CONF in the environment still wins.
// - narenas:2: two arenas for the gateway's few threads instead of four per
//   core: fewer partly used pages per idle socket.
// - dirty_decay_ms:1000, muzzy_decay_ms:0: memory freed after a burst (a
//   reconnect storm's transient buffers) goes back to the system within a
//   second rather than ten.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
