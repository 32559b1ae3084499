#include "colibri/core/lasting.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace colibri::core {
namespace {

struct counted {
  static inline int alive = 0;
  std::string text;
  explicit counted(std::string t) : text(std::move(t)) { ++alive; }
  ~counted() { --alive; }
};

TEST(Lasting, AnObjectMadeLastingIsBuiltSharedAndDestroyedWithItsLastOwner) {
  {
    auto a = make_lasting<counted>(std::string(100, 'x'));
    auto b = a;
    EXPECT_EQ(counted::alive, 1);
    EXPECT_EQ(a->text.size(), 100u);
    a.reset();
    EXPECT_EQ(counted::alive, 1);
    EXPECT_EQ(b.use_count(), 1);
  }
  EXPECT_EQ(counted::alive, 0);
}

TEST(Lasting, TheAllocatorServesContainersOfAnySize) {
  std::vector<int, lasting_allocator<int>> v;
  for (int i = 0; i < 10000; ++i) v.push_back(i);
  long sum = 0;
  for (int x : v) sum += x;
  EXPECT_EQ(sum, 10000L * 9999 / 2);
  EXPECT_TRUE(lasting_allocator<int>{} == lasting_allocator<char>{});
}

}  // namespace
}  // namespace colibri::core
