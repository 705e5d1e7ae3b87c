#pragma once
// What one writing command adds to the store before its record is saved (pull, then
// placeholder, then record), taken away again when the command fails before the save: the new
// holds' placeholders first, then the images it brought (PullOutcome::new_image) that the
// saved ledger does not keep and no container uses once those placeholders are gone. Nothing
// that was there before the command is touched (another name pulled for an image the store
// had is not an image it brought). Repairs of the loaded ledger's holds (a lost placeholder
// re-created, a lost image pulled again) stay: that ledger, still the saved one, says the
// store keeps them. Except, in pin mode system, an image pulled again that the saved
// ledger.pulled does not name (gc forgot it when it was gone): gc removes only the images
// ledger.pulled names, so kept without the record it would stay for good; it is taken back
// with the placeholders re-created on it, and the next run repairs and records it.
// Once the command saved the ledger (LedgerWriter::saves moved), what it added is recorded
// and stays. In pin mode store there are no placeholders and no other containers, and every
// image of the store is gc's to remove.

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

  // The images these pulls brought (for new holds, or again for the loaded ledger's).
  void pulled(const std::vector<core::PullOutcome>& outcomes);
  // A placeholder this command created for a new hold.
  void created(const core::Placeholder& placeholder);
  // A placeholder re-created for a hold of the loaded ledger: taken back only with its image.
  void recreated(const core::Placeholder& placeholder);

private:
  void undo() noexcept;
  std::vector<std::string> images_to_remove() const;
  void remove_images(const std::vector<std::string>& unused);

  core::ImageStore& store_;
  const LedgerWriter* writer_;
  std::size_t saves_ = 0;
  // The image IDs the saved ledger keeps: those its holds name (pin mode system: and its
  // ledger.pulled names, so that gc can remove them once they are let go).
  std::vector<std::string> kept_;
  std::string what_;
  std::vector<std::string> placeholders_;
  std::vector<core::Placeholder> recreated_;
  std::vector<std::string> images_;
};

}  // namespace rootpin::app
