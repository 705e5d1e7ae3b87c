#include "src/metrics/metrics.hpp"

#include "base/atomic_file.hpp"

namespace rootpin::metrics {

void write_textfile(const std::string& dir, std::string_view content) {
  // AtomicFile's temp is ".rootpin.prom.tmp-<pid>": hidden and not *.prom, so the collector
  // never reads a half-written file, and it is removed when anything fails.
  util::AtomicFile file(dir + "/" + kTextfileName, 0644);
  file.write(content);
  file.commit();
}

}  // namespace rootpin::metrics
