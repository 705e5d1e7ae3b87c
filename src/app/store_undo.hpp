#pragma once
// What one writing command adds to the store for its new holds before their record is saved
// (pull, then placeholder, then record), taken away again when the command fails before the
// save: the new holds' placeholders first, then the images it brought
// (PullOutcome::new_image) that no hold of the ledger as loaded names and no container uses
// once those placeholders are gone. Nothing that was there before the command is touched
// (another name pulled for an image the store had is not an image it brought), and repairs
// of the loaded ledger's holds (a lost placeholder re-created, a lost image pulled again)
// stay: they are what that ledger, still the saved one, says the store keeps.
// Once the command saved the ledger (LedgerWriter::saves moved), what it added is recorded
// and stays. In pin mode store there are no placeholders and no other containers.

#include <cstddef>
#include <string>
#include <vector>

#include "src/app/context.hpp"
#include "src/core/image_store.hpp"
#include "src/core/pull_outcome.hpp"

namespace rootpin::app {

class StoreUndo {
public:
  // `writer` nullptr (a dry run): nothing is recorded, nothing undone.
  StoreUndo(core::ImageStore& store, const LedgerWriter* writer, std::string what);
  StoreUndo(const StoreUndo&) = delete;
  StoreUndo& operator=(const StoreUndo&) = delete;
  // Undoes unless the writer saved since construction. Never throws: a removal that fails
  // is a warning naming what stays.
  ~StoreUndo();

  // The images these pulls brought.
  void pulled(const std::vector<core::PullOutcome>& outcomes);
  // A placeholder this command created for a new hold.
  void created(const core::Placeholder& placeholder);

private:
  void undo() noexcept;
  void remove_images();

  core::ImageStore& store_;
  const LedgerWriter* writer_;
  std::size_t saves_ = 0;
  std::vector<std::string> held_;  // the image IDs the ledger as loaded holds
  std::string what_;
  std::vector<std::string> placeholders_;
  std::vector<std::string> images_;
};

}  // namespace rootpin::app
