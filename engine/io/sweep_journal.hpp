// The resume journal of a sweep: an append-only file that receives each run's record as soon as
// the run completes, so that a sweep that is killed (SIGKILL, a cluster's time limit, a crash)
// loses only the runs that were in progress, and `--resume` computes only what is missing.
//
// File format (little-endian):
//   header  magic "MGSWJRNL" | format version u64 | runs u64 | fingerprint length u64 |
//           fingerprint bytes | FNV-1a-64 of everything before it in the header, u64
//   entry   payload length u64 | FNV-1a-64 of the payload u64 | payload = sweep::encode_record(record)
// Entries are in completion order; a run that appears twice counts with its last entry.
//
// Durability: entries are written with write(2), no user-space buffer, so an entry is in the
// kernel's page cache when append() returns and survives the death of the process. It is not
// fsync'ed: a power cut can lose recent entries, and resume() then drops what did not reach the
// disk (a torn or zero-filled tail fails its length or checksum).
//
// One process uses a journal at a time: the file is locked with flock(2) while a SweepJournal
// owns it, and a second create()/resume() of the same file is refused. Not thread-safe: the
// caller serializes append() (the sweep::RecordHandler of sweep::run_on_threads is called one at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sweep/record.hpp"

namespace magsim::engine::io {

class SweepJournal {
 public:
  // Starts an empty journal for `layout` at `path`, replacing any journal there (the header is
  // written to a temporary file and renamed, so `path` never holds a header-less file). Throws
  // std::runtime_error naming the path and the reason if it cannot be created.
  static SweepJournal create(const std::string& path, const sweep::SweepLayout& layout);

  // Opens the journal at `path` for more runs of the same sweep: checks that it is a journal of
  // this sweep (same run count and fingerprint; else throws "... was written by a different
  // sweep ..."), reads every complete entry whose checksum holds, and cuts off a torn tail (a
  // damaged entry with no good entry after it: the file is truncated after the last good entry;
  // see dropped_bytes()). A damaged entry followed by good ones is corruption, not a torn write:
  // it throws, naming the entry and its byte offset, and leaves the file as it is. Throws
  // std::runtime_error naming the path if the file is missing, unreadable or not a journal.
  static SweepJournal resume(const std::string& path, const sweep::SweepLayout& layout);

  SweepJournal(SweepJournal&& other) noexcept;
  SweepJournal& operator=(SweepJournal&& other) noexcept;
  SweepJournal(const SweepJournal&) = delete;
  SweepJournal& operator=(const SweepJournal&) = delete;
  ~SweepJournal();  // closes the file (keeps it on disk)

  bool has(std::uint64_t index) const;  // a record of run `index` is in the journal
  std::uint64_t completed() const;      // distinct runs with a record
  std::uint64_t runs() const;           // N of the sweep
  const std::string& path() const;
  // Bytes resume() cut off the end of the file (0 for a journal that was closed cleanly).
  std::uint64_t dropped_bytes() const;

  // Appends one finished run (status ok or failed; index < runs). Throws std::invalid_argument
  // for a not_run record or an index out of range, std::runtime_error naming the path if the
  // write fails (the file is then cut back to its previous end, so the journal stays valid).
  void append(const sweep::RunRecord& record);

  // The last record appended for run `index`, read back from the file; nullopt if none.
  // Throws std::runtime_error if the entry no longer reads back intact.
  std::optional<sweep::RunRecord> read(std::uint64_t index) const;

  // Closes and deletes the file (once the sweep's output is safely written). The journal is
  // empty afterwards and refuses append().
  void remove();

 private:
  SweepJournal(std::string path, int fd, std::uint64_t runs);
  void close_file() noexcept;
  void scan_entries(std::uint64_t first_entry, std::uint64_t file_size);

  std::string path_;
  int fd_ = -1;
  std::uint64_t runs_ = 0;
  std::uint64_t end_ = 0;              // file offset of the next entry
  std::vector<std::uint64_t> offset_;  // per run: offset of its last entry, kAbsent if none
  std::uint64_t completed_ = 0;
  std::uint64_t dropped_bytes_ = 0;
};

}  // namespace magsim::engine::io
