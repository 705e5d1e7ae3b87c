#include "base/error.hpp"

#include <exception>

namespace rootpin::util {

Error current_error() {
  try {
    throw;
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    return Error(e.what());
  } catch (...) {
    return Error("unknown error (not a std::exception)");
  }
}

}  // namespace rootpin::util
