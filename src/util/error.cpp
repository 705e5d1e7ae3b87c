#include "src/util/error.hpp"
