// Redis Cluster (issue 22): a real six-node cluster on loopback (three
// primaries, three replicas). The client of libs/redis routes by slot and
// subscribes to sharded channels; the services, given the seed nodes, deliver
// every room's events through the shards, and lose and double nothing when a
// primary dies (its replica promoted) or a room's slot moves to another shard:
// what the doorbell missed comes from PostgreSQL.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "chat_fixture.hpp"
#include "colibri/redis/client.hpp"
#include "colibri/test/servers.hpp"

using namespace colibri;
using namespace colibri::test;
using namespace std::chrono_literals;

namespace {

TEST(RedisCluster, KeySlotsAreTheClustersOwn) {
  redis_cluster cluster;
  for (std::string key :
       {"colibri:room:group:1", "colibri:room:thread:42", "colibri:user:7", "foo", "",
        "{colibri:room:group:1}:presence", "{colibri:room:group:1}:presence:n", "rl:{ip:127.0.0.1}:post", "a{}b", "{}",
        "x{y", "}{z}", "{a}{b}", "colibri:sessions:revoked", "é{ü}"})
    EXPECT_EQ(redis::key_slot(key), cluster.slot_of(key)) << key;
  // A room's presence keys live on its channel's slot (the script publishes there).
  EXPECT_EQ(redis::key_slot("{colibri:room:group:1}:presence"), redis::key_slot("colibri:room:group:1"));
}

// Publisher and subscriber in cluster mode, on their own io_context.
struct cluster_pair {
  explicit cluster_pair(const redis_cluster& c) : o(options_for(c)) {}
  // Three of the six nodes as seeds: any one that answers gives the map.
  static redis::options options_for(const redis_cluster& c) {
    redis::options out;
    for (std::size_t i = 0; i < c.size(); i += 2) out.cluster.emplace_back("127.0.0.1", c.port(i));
    out.reconnect_min = 20ms;
    out.reconnect_max = 200ms;
    return out;
  }
  template <class Pred>
  bool run_until(Pred pred, int rounds = 500) {
    for (int i = 0; i < rounds && !pred(); ++i) io.run_for(20ms);
    return pred();
  }
  asio::io_context io;
  redis::options o;
  std::map<std::string, std::vector<std::string>> got;
  int connects = 0, disconnects = 0;
  redis::subscriber sub{io.get_executor(),
                        o,
                        {[this](std::string_view ch, std::string_view m) { got[std::string(ch)].emplace_back(m); },
                         [this] { ++disconnects; }, [this] { ++connects; }}};
  redis::publisher pub{io.get_executor(), o};
};

TEST(RedisCluster, ShardedChannelsAreDeliveredFromEveryShard) {
  redis_cluster cluster;
  cluster_pair r(cluster);
  // Channels until every primary owns some.
  std::vector<std::string> channels;
  std::set<std::size_t> shards;
  std::map<std::string, std::size_t> owner;
  for (int i = 1; i <= 30; ++i) {
    auto ch = "colibri:room:group:" + std::to_string(i);
    channels.push_back(ch);
    owner[ch] = cluster.primary_of(cluster.slot_of(ch));
    shards.insert(owner[ch]);
  }
  ASSERT_EQ(shards.size(), 3u) << "the channels should span the three shards";
  int ready = 0;
  for (auto& ch : channels) r.sub.subscribe(ch, [&] { ++ready; });
  r.sub.start();
  r.pub.start();
  ASSERT_TRUE(r.run_until([&] { return r.connects >= 1 && r.pub.healthy() && r.sub.connected(); }));
  EXPECT_EQ(ready, 30);
  EXPECT_TRUE(r.pub.sharded());
  // Each channel is subscribed on the shard that owns it (sharded pub/sub), not broadcast.
  for (auto& ch : channels) EXPECT_EQ(cluster.cli(owner[ch], {"PUBSUB", "SHARDNUMSUB", ch}), ch + "\n1\n") << ch;
  for (int m = 0; m < 5; ++m)
    for (auto& ch : channels) r.pub.publish(ch, "m" + std::to_string(m));
  r.pub.publish("colibri:room:group:999", "nobody listens");
  ASSERT_TRUE(r.run_until([&] {
    std::size_t n = 0;
    for (auto& [c, v] : r.got) n += v.size();
    return n >= 150;
  }));
  r.io.run_for(200ms);
  for (auto& ch : channels) EXPECT_EQ(r.got[ch], (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"})) << ch;
  EXPECT_EQ(r.got.count("colibri:room:group:999"), 0u);

  // Commands go to the shard of their key: a script answers from each shard.
  std::map<std::size_t, int> answered;
  for (auto& ch : channels) {
    std::optional<std::int64_t> v;
    bool done = false;
    asio::co_spawn(
        r.io,
        [&]() -> asio::awaitable<void> {
          std::vector<std::string> args{"EVAL", "return redis.call('INCR', KEYS[1])", "1", "{" + ch + "}:n"};
          v = co_await r.pub.call(std::move(args), 1s);
          done = true;
        },
        asio::detached);
    ASSERT_TRUE(r.run_until([&] { return done; }));
    ASSERT_EQ(v, 1) << ch;
    ++answered[owner[ch]];
  }
  EXPECT_EQ(answered.size(), 3u);

  // A wrong command's error is no integer: nullopt, and the connection carries on.
  std::optional<std::int64_t> bad = 0;
  bool done = false;
  asio::co_spawn(
      r.io,
      [&]() -> asio::awaitable<void> {
        std::vector<std::string> args{"EVAL", "return redis.call('NOPE')", "1", "k"};
        bad = co_await r.pub.call(std::move(args), 1s);
        done = true;
      },
      asio::detached);
  ASSERT_TRUE(r.run_until([&] { return done; }));
  EXPECT_EQ(bad, std::nullopt);
  r.pub.publish(channels[0], "after the error");
  ASSERT_TRUE(r.run_until([&] { return r.got[channels[0]].size() == 6; }));
  EXPECT_EQ(r.disconnects, 1) << "only the start counts as a loss";

  r.sub.unsubscribe(channels[0]);
  r.io.run_for(200ms);
  EXPECT_EQ(cluster.cli(owner[channels[0]], {"PUBSUB", "SHARDNUMSUB", channels[0]}), channels[0] + "\n0\n");
  r.sub.stop();
  r.pub.stop();
  r.io.run_for(100ms);
}

// The client itself through a failover and a resharding: it reports the loss
// (the user catches up), follows the map, and is subscribed where the slot
// now lives.
TEST(RedisCluster, TheClientFollowsAFailoverAndAMovedSlot) {
  redis_cluster cluster;
  cluster_pair r(cluster);
  std::string ch = "colibri:room:group:7";
  auto slot = cluster.slot_of(ch);
  r.sub.subscribe(ch);
  r.sub.start();
  r.pub.start();
  ASSERT_TRUE(r.run_until([&] { return r.connects == 1 && r.pub.healthy(); }));

  auto old_primary = cluster.primary_of(slot);
  std::thread killer([&] { cluster.kill_hard(old_primary); });
  ASSERT_TRUE(r.run_until([&] { return r.disconnects == 2; })) << "the lost shard was not reported";
  killer.join();
  ASSERT_TRUE(r.run_until([&] { return r.connects == 2 && r.pub.healthy(); })) << "not back after the failover";
  auto new_primary = cluster.primary_of(slot);
  EXPECT_NE(new_primary, old_primary);
  EXPECT_EQ(cluster.cli(new_primary, {"PUBSUB", "SHARDNUMSUB", ch}), ch + "\n1\n");
  r.pub.publish(ch, "after the failover");
  ASSERT_TRUE(r.run_until([&] { return r.got[ch].size() == 1; }));

  // The slot moves to another primary: the old shard lets the channel go
  // (sunsubscribe), the client reports it and subscribes on the new shard.
  auto primaries = cluster.primaries();
  auto target = *std::find_if(primaries.begin(), primaries.end(), [&](auto p) { return p != new_primary; });
  std::thread mover([&] { cluster.move_slot(slot, target); });
  ASSERT_TRUE(r.run_until([&] { return r.disconnects == 3; })) << "the moved slot was not reported";
  mover.join();
  ASSERT_TRUE(r.run_until([&] { return r.connects == 3; }));
  EXPECT_EQ(cluster.cli(target, {"PUBSUB", "SHARDNUMSUB", ch}), ch + "\n1\n");
  r.pub.publish(ch, "after the move");  // the publisher's map still says the old shard: MOVED, sent again
  ASSERT_TRUE(r.run_until([&] { return r.got[ch].size() == 2; }));
  EXPECT_EQ(r.got[ch], (std::vector<std::string>{"after the failover", "after the move"}));
  r.sub.stop();
  r.pub.stop();
  r.io.run_for(100ms);
}

// The services on the cluster: COLIBRI_REDIS lists the seed nodes.
class RedisClusterRooms : public chat_fixture {
 protected:
  void configure(std::map<std::string, std::string>& env) override { env["COLIBRI_REDIS"] = cluster_.seeds(); }
  // The shard serving a room's channel.
  std::size_t shard_of(const std::string& room) {
    return cluster_.primary_of(cluster_.slot_of("colibri:room:" + room));
  }
  // The first room load() makes (while load runs: rooms_ is set at its end).
  std::string first_room() { return "group:" + trimmed(sql("SELECT id FROM groups WHERE name = 'salon 0'")); }
  redis_cluster cluster_;
};

TEST_F(RedisClusterRooms, TwoGatewaysDeliverEveryRoomThroughTheShards) {
  auto seen = load(4, 4, 100, std::chrono::microseconds(0));
  std::set<std::size_t> shards;
  expect_every_event(seen, 4, 400);
  for (auto& room : rooms_) shards.insert(shard_of(room));
  EXPECT_GE(shards.size(), 2u) << "every room on one shard proves little";

  // Presence: the script keeps the room's keys on its channel's slot and publishes there.
  auto gid = group("presence");
  auto a = user("presa"), b = user("presb");
  member(gid, a.second);
  member(gid, b.second);
  auto room = "group:" + gid;
  auto ca = connect(gateways_[0]->port(), a.first, true);
  ca->send(R"({"type":"subscribe","room":")" + room + R"(","since":0})");
  ASSERT_EQ(info(ca->read().value_or("")).type, "subscribed");
  auto cb = connect(gateways_[1]->port(), b.first, true);
  cb->send(R"({"type":"subscribe","room":")" + room + R"(","since":0})");
  bool two = false;
  for (int i = 0; i < 20 && !two; ++i) {
    auto f = ca->read(5s);
    if (!f) break;
    two = json_at(*f, "type") == "presence" && json_at(*f, "online_count") == "2";
  }
  EXPECT_TRUE(two) << "the member on the other gateway was never counted";
  auto shard = shard_of(room);
  EXPECT_EQ(cluster_.cli(shard, {"EXISTS", "{colibri:room:" + room + "}:presence"}), "1\n");
}

TEST_F(RedisClusterRooms, APrimaryKilledDuringARoomsTrafficLosesAndDoublesNothing) {
  std::size_t killed = 0;
  auto seen = load(2, 4, 300, std::chrono::microseconds(10000), [&] {
    std::this_thread::sleep_for(300ms);
    killed = shard_of(first_room());
    cluster_.kill_hard(killed);
  });
  EXPECT_NE(shard_of(rooms_[0]), killed) << "the room's slot is served by the replica now";
  expect_every_event(seen, 4, 1200);
  for (auto& g : gateways_) EXPECT_TRUE(g->proc().running());
  bool reported = false;
  for (auto& g : gateways_) reported = reported || g->log_text().find("redis cluster node lost") != std::string::npos;
  EXPECT_TRUE(reported) << "no gateway saw the shard go";
}

TEST_F(RedisClusterRooms, ARoomsSlotMovedToAnotherShardLosesAndDoublesNothing) {
  std::size_t from = 0, to = 0;
  std::string followed;
  std::map<std::size_t, std::string> seen_on_shards;  // the last SHARDNUMSUB answers, per primary
  // A member on each gateway, in the room from before the move to the end:
  // the room stays subscribed on both however soon the load's clients leave.
  std::vector<std::unique_ptr<ws_client>> watchers;
  std::vector<std::int64_t> watched_after;  // the room's last seq when each came (its "subscribed")
  auto seen = load(2, 4, 300, std::chrono::microseconds(10000), [&] {
    std::this_thread::sleep_for(300ms);
    auto room = first_room();
    auto channel = "colibri:room:" + room;
    for (std::size_t g = 0; g < gateways_.size(); ++g) {
      auto u = user("guetteur" + std::to_string(g));
      member(room.substr(room.find(':') + 1), u.second);
      watchers.push_back(connect(gateways_[g]->port(), u.first));
      auto since = trimmed(sql("SELECT coalesce(max(seq), 0) FROM room_events WHERE room = '" + room + "'"));
      watchers.back()->send(R"({"type":"subscribe","room":")" + room + R"(","since":)" + since + "}");
      std::optional<std::string> f;
      for (int i = 0; i < 100 && (f = watchers.back()->read(std::chrono::seconds(10))); ++i)
        if (info(*f).type == "subscribed") break;
      watched_after.push_back(std::stoll(json_at(f.value_or(""), "last_seq").value_or("0")));
    }
    auto slot = cluster_.slot_of(channel);
    from = cluster_.primary_of(slot);
    auto primaries = cluster_.primaries();
    to = *std::find_if(primaries.begin(), primaries.end(), [&](auto p) { return p != from; });
    cluster_.move_slot(slot, to);
    // Both gateways follow the channel to its new shard.
    for (int i = 0; i < 200 && followed.empty(); ++i) {
      for (auto p : primaries) seen_on_shards[p] = cluster_.cli(p, {"PUBSUB", "SHARDNUMSUB", channel});
      if (seen_on_shards[to] == channel + "\n2\n") followed = channel;
      std::this_thread::sleep_for(25ms);
    }
  });
  EXPECT_EQ(shard_of(rooms_[0]), to);
  if (followed.empty()) {
    std::string where, logs;
    for (auto& [p, answer] : seen_on_shards) where += " " + std::to_string(p) + ": " + answer;
    for (auto& g : gateways_) logs += g->log_tail() + "\n--\n";
    ADD_FAILURE() << "the gateways are not subscribed on the slot's new shard (" << to << " of " << from
                  << "); subscribers per primary:" << where << "\n"
                  << logs;
  }
  expect_every_event(seen, 4, 1200);
  // The watchers too, who were there through the move: every event after
  // the room's last when they came (the earlier ones, their catch-up, may be
  // a page of history short: `limited`).
  for (std::size_t g = 0; g < watchers.size(); ++g) {
    auto expected = table_seqs(rooms_[0]);
    std::erase_if(expected, [&](auto seq) { return seq <= watched_after[g]; });
    std::vector<std::int64_t> got;
    while (got.size() < expected.size()) {
      auto f = watchers[g]->read(std::chrono::seconds(30));
      if (!f) break;
      if (auto fi = info(*f); fi.type == "event" && fi.seq > watched_after[g]) got.push_back(fi.seq);
    }
    EXPECT_EQ(got, expected) << "watcher on gateway " << g << ": " << seq_differences(got, expected);
  }
}

}  // namespace
