#include "src/metrics/history_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "base/atomic_file.hpp"
#include "base/errno_error.hpp"
#include "base/fd.hpp"

namespace rootpin::metrics {

History update_history(const std::string& state_dir, const std::function<void(History&)>& change) {
  History history;
  struct stat st {};
  if (::stat(state_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    change(history);
    return history;
  }
  const std::string lock_path = state_dir + "/metrics.lock";
  util::Fd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!lock) throw util::errno_error("open", lock_path);
  if (::flock(lock.get(), LOCK_EX) != 0) throw util::errno_error("lock", lock_path);
  const std::string path = state_dir + "/" + kHistoryName;
  if (std::ifstream in(path, std::ios::binary); in) {
    std::stringstream text;
    text << in.rdbuf();
    if (auto parsed = parse_history(text.str())) history = std::move(*parsed);
  }
  change(history);
  util::AtomicFile file(path, 0600);
  file.write(serialize_history(history));
  file.commit();
  return history;
}

}  // namespace rootpin::metrics
