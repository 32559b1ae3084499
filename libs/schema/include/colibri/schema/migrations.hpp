#pragma once
#include <vector>

#include "colibri/pg/migrate.hpp"

namespace colibri::schema {

// Every migration of the Colibri database, in version order.
const std::vector<pg::migration>& migrations();

}  // namespace colibri::schema
