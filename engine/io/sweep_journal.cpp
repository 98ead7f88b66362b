#include "engine/io/sweep_journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>

#include "engine/io/hdf5_atomic.hpp"
#include "engine/sweep/random_stream.hpp"

namespace magsim::engine::io {

namespace {

constexpr char kMagic[8] = {'M', 'G', 'S', 'W', 'J', 'R', 'N', 'L'};
constexpr std::uint64_t kFormatVersion = 1;
constexpr std::uint64_t kEntryHeaderBytes = 16;  // payload length + checksum
constexpr std::uint64_t kAbsent = std::numeric_limits<std::uint64_t>::max();

void put_u64(std::string& out, std::uint64_t v) {
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
}

std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int b = 0; b < 8; ++b)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[b])) << (8 * b);
  return v;
}

std::string encode_header(const sweep::SweepLayout& layout) {
  std::string h(kMagic, sizeof kMagic);
  put_u64(h, kFormatVersion);
  put_u64(h, layout.runs);
  put_u64(h, layout.fingerprint.size());
  h += layout.fingerprint;
  put_u64(h, sweep::fnv1a_64(h));
  return h;
}

std::string encode_entry(const sweep::RunRecord& record) {
  const std::string payload = sweep::encode_record(record);
  std::string entry;
  entry.reserve(kEntryHeaderBytes + payload.size());
  put_u64(entry, payload.size());
  put_u64(entry, sweep::fnv1a_64(payload));
  entry += payload;
  return entry;
}

// Reads up to n bytes at `offset`; fewer only at the end of the file. Throws on an I/O error.
std::size_t read_at(int fd, char* buf, std::size_t n, std::uint64_t offset,
                    const std::string& path) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw std::runtime_error("cannot read sweep journal '" + path + "': " + errno_text(errno));
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

// Writes all of `bytes` at `offset`; returns 0 or the errno of the failure.
int write_at(int fd, const std::string& bytes, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t put =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (put < 0 && errno == EINTR) continue;
    if (put < 0) return errno;
    done += static_cast<std::size_t>(put);
  }
  return 0;
}

// Takes the journal's lock, so two processes never append to the same file.
void lock_or_throw(int fd, const std::string& path, const std::string& action) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      throw std::runtime_error("cannot " + action + " sweep journal '" + path +
                               "': it is in use by another magsim process");
    throw std::runtime_error("cannot " + action + " sweep journal '" + path +
                             "': cannot lock it (" + errno_text(err) + ")");
  }
}

}  // namespace

SweepJournal::SweepJournal(std::string path, int fd, std::uint64_t runs)
    : path_(std::move(path)), fd_(fd), runs_(runs), offset_(runs, kAbsent) {}

SweepJournal::SweepJournal(SweepJournal&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      runs_(other.runs_),
      end_(other.end_),
      offset_(std::move(other.offset_)),
      completed_(std::exchange(other.completed_, 0)),
      dropped_bytes_(other.dropped_bytes_) {}

SweepJournal& SweepJournal::operator=(SweepJournal&& other) noexcept {
  if (this != &other) {
    close_file();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    runs_ = other.runs_;
    end_ = other.end_;
    offset_ = std::move(other.offset_);
    completed_ = std::exchange(other.completed_, 0);
    dropped_bytes_ = other.dropped_bytes_;
  }
  return *this;
}

SweepJournal::~SweepJournal() { close_file(); }

void SweepJournal::close_file() noexcept {
  if (fd_ >= 0) ::close(fd_);  // also releases the lock
  fd_ = -1;
}

SweepJournal SweepJournal::create(const std::string& path, const sweep::SweepLayout& layout) {
  const std::string what = "cannot create sweep journal '" + path + "': ";
  // Refuse to replace a journal another process is appending to.
  const int existing = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (existing >= 0) {
    lock_or_throw(existing, path, "create");
    ::close(existing);
  }

  // The header is written under a temporary name and renamed into place, so a journal is never
  // seen without its header. The name carries host and pid, and the temporaries that killed
  // processes of this host left are removed first (as for the HDF5 temporaries).
  const std::string tmp = hdf5::fresh_temporary_path(path);
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(what + errno_text(errno));
  try {
    lock_or_throw(fd, path, "create");
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  const std::string header = encode_header(layout);
  int err = write_at(fd, header, 0);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (err == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(what + errno_text(err));
  }
  SweepJournal j(path, fd, layout.runs);
  j.end_ = header.size();
  return j;
}

SweepJournal SweepJournal::resume(const std::string& path, const sweep::SweepLayout& layout) {
  const std::string what = "cannot resume from sweep journal '" + path + "': ";
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(what + errno_text(errno));
  lock_or_throw(fd, path, "resume from");
  // From here the journal object owns fd and closes it if anything below throws.
  SweepJournal j(path, fd, layout.runs);

  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::runtime_error(what + errno_text(errno));
  const auto size = static_cast<std::uint64_t>(st.st_size);

  // Fixed part: magic, version, runs, fingerprint length.
  char fixed[32];
  if (read_at(fd, fixed, sizeof fixed, 0, path) < sizeof fixed ||
      std::memcmp(fixed, kMagic, sizeof kMagic) != 0)
    throw std::runtime_error(what + "not a magsim sweep journal");
  const std::uint64_t version = get_u64(fixed + 8);
  if (version != kFormatVersion)
    throw std::runtime_error(what + "journal format version " + std::to_string(version) +
                             ", this magsim reads version " + std::to_string(kFormatVersion));
  const std::uint64_t runs = get_u64(fixed + 16);
  const std::uint64_t fp_size = get_u64(fixed + 24);
  if (size < sizeof fixed + 8 || fp_size > size - sizeof fixed - 8)
    throw std::runtime_error(what + "the journal header is corrupt");
  std::string header(fixed, sizeof fixed);
  header.resize(sizeof fixed + fp_size + 8);
  read_at(fd, header.data() + sizeof fixed, fp_size + 8, sizeof fixed, path);
  const std::string fingerprint = header.substr(sizeof fixed, fp_size);
  if (get_u64(header.data() + sizeof fixed + fp_size) !=
      sweep::fnv1a_64(std::string_view(header.data(), sizeof fixed + fp_size)))
    throw std::runtime_error(what + "the journal header is corrupt");

  if (fingerprint != layout.fingerprint || runs != layout.runs) {
    const bool runs_differ = runs != layout.runs;
    throw std::runtime_error(
        "sweep journal '" + path + "' was written by a different sweep (fingerprint " +
        fingerprint + (runs_differ ? ", " + std::to_string(runs) + " runs" : "") + "; this sweep " +
        layout.fingerprint + (runs_differ ? ", " + std::to_string(layout.runs) + " runs" : "") +
        "); delete it or run without --resume");
  }
  j.scan_entries(header.size(), size);
  return j;
}

// Indexes the entries from `first_entry` on and cuts the file after the last good one. An entry
// is good if it lies wholly inside the file, its checksum matches and it decodes to a finished
// run of this sweep. A write cut short (a kill, a power cut) can only damage the end of the
// file, so a bad entry with nothing good after it is a torn write and is cut off; a bad entry
// followed by a good one is corruption in the middle (the file was changed, the disk fails) and
// is refused, naming the entry, rather than dropping the good runs after it.
void SweepJournal::scan_entries(std::uint64_t first_entry, std::uint64_t file_size) {
  std::uint64_t at = first_entry;
  std::uint64_t entries = 0, largest = 0;
  std::string payload;
  char head[kEntryHeaderBytes];
  // The payload length of the good entry that starts at `p` (`left` bytes from there to the end
  // of the file), or kAbsent.
  const auto good_entry = [&](const char* p, std::uint64_t left) -> std::uint64_t {
    if (left < kEntryHeaderBytes) return kAbsent;
    const std::uint64_t length = get_u64(p);
    if (length > left - kEntryHeaderBytes) return kAbsent;
    const std::string_view body(p + kEntryHeaderBytes, static_cast<std::size_t>(length));
    if (sweep::fnv1a_64(body) != get_u64(p + 8)) return kAbsent;
    try {
      const sweep::RunRecord r = sweep::decode_record(std::string(body));
      if (r.index >= runs_ || r.status == sweep::RunStatus::NotRun) return kAbsent;
    } catch (const std::runtime_error&) {
      return kAbsent;
    }
    return length;
  };
  while (file_size - at >= kEntryHeaderBytes) {
    read_at(fd_, head, sizeof head, at, path_);
    const std::uint64_t length = get_u64(head);
    if (length > file_size - at - kEntryHeaderBytes) break;
    payload.assign(head, sizeof head);
    payload.resize(kEntryHeaderBytes + length);
    if (read_at(fd_, payload.data() + kEntryHeaderBytes, length, at + kEntryHeaderBytes, path_) <
        length)
      break;
    if (good_entry(payload.data(), payload.size()) == kAbsent) break;
    const sweep::RunRecord r = sweep::decode_record(payload.substr(kEntryHeaderBytes));
    if (offset_[r.index] == kAbsent) ++completed_;
    offset_[r.index] = at;
    at += kEntryHeaderBytes + length;
    ++entries;
    largest = std::max(largest, length);
  }
  if (at < file_size) {
    // Is there a good entry anywhere after the bad one? Looked for byte by byte in the rest of
    // the file (up to 256 MiB of it; beyond that only where the bad entry's own length points).
    constexpr std::uint64_t kScanLimit = std::uint64_t{256} << 20;
    const std::uint64_t tail_size = file_size - at;
    std::uint64_t found = kAbsent;
    if (tail_size <= kScanLimit) {
      std::string tail(static_cast<std::size_t>(tail_size), '\0');
      read_at(fd_, tail.data(), tail.size(), at, path_);
      // A good entry is about as long as the others (same summaries, same series).
      const std::uint64_t plausible = largest > 0 ? 4 * largest + 4096 : tail_size;
      for (std::uint64_t off = 1; off + kEntryHeaderBytes <= tail_size && found == kAbsent; ++off) {
        if (get_u64(tail.data() + off) > plausible) continue;
        if (good_entry(tail.data() + off, tail_size - off) != kAbsent) found = at + off;
      }
    } else if (file_size - at >= kEntryHeaderBytes) {
      read_at(fd_, head, sizeof head, at, path_);
      const std::uint64_t next = get_u64(head);
      if (next <= file_size - at - 2 * kEntryHeaderBytes) {
        const std::uint64_t candidate = at + kEntryHeaderBytes + next;
        char next_head[kEntryHeaderBytes];
        read_at(fd_, next_head, sizeof next_head, candidate, path_);
        const std::uint64_t n = get_u64(next_head);
        if (n <= file_size - candidate - kEntryHeaderBytes && n <= kScanLimit) {
          std::string e(static_cast<std::size_t>(kEntryHeaderBytes + n), '\0');
          read_at(fd_, e.data(), e.size(), candidate, path_);
          if (good_entry(e.data(), e.size()) != kAbsent) found = candidate;
        }
      }
    }
    if (found != kAbsent)
      throw std::runtime_error(
          "sweep journal '" + path_ + "' is corrupt: entry " + std::to_string(entries + 1) +
          " (at byte " + std::to_string(at) + ") is damaged, but intact entries follow it (the "
          "next at byte " + std::to_string(found) + "). A sweep that is killed can only leave "
          "its last entry incomplete, so the file was changed or the disk is failing; it was "
          "left as it is. Delete it, or run without --resume, to start the sweep over");
  }
  end_ = at;
  dropped_bytes_ = file_size - at;
  if (dropped_bytes_ > 0 && ::ftruncate(fd_, static_cast<off_t>(at)) != 0)
    throw std::runtime_error("cannot cut the torn end off sweep journal '" + path_ +
                             "': " + errno_text(errno));
}

bool SweepJournal::has(std::uint64_t index) const {
  return index < offset_.size() && offset_[index] != kAbsent;
}
std::uint64_t SweepJournal::completed() const { return completed_; }
std::uint64_t SweepJournal::runs() const { return runs_; }
const std::string& SweepJournal::path() const { return path_; }
std::uint64_t SweepJournal::dropped_bytes() const { return dropped_bytes_; }

void SweepJournal::append(const sweep::RunRecord& record) {
  if (fd_ < 0) throw std::logic_error("SweepJournal::append on a closed journal ('" + path_ + "')");
  if (record.index >= runs_)
    throw std::invalid_argument("sweep journal '" + path_ + "': run " +
                                std::to_string(record.index) + " is out of range (" +
                                std::to_string(runs_) + " runs)");
  if (record.status == sweep::RunStatus::NotRun)
    throw std::invalid_argument("sweep journal '" + path_ + "': run " +
                                std::to_string(record.index) + " has not been run");
  const std::string entry = encode_entry(record);
  if (const int err = write_at(fd_, entry, end_); err != 0) {
    // A partial entry would end the journal at resume and hide every later one: remove it.
    (void)::ftruncate(fd_, static_cast<off_t>(end_));
    throw std::runtime_error("cannot append run " + std::to_string(record.index) +
                             " to sweep journal '" + path_ + "': " + errno_text(err));
  }
  if (offset_[record.index] == kAbsent) ++completed_;
  offset_[record.index] = end_;
  end_ += entry.size();
}

std::optional<sweep::RunRecord> SweepJournal::read(std::uint64_t index) const {
  if (!has(index) || fd_ < 0) return std::nullopt;
  const std::uint64_t at = offset_[index];
  const std::string where = "sweep journal '" + path_ + "': the entry of run " +
                            std::to_string(index) + " at byte " + std::to_string(at);
  char head[kEntryHeaderBytes];
  if (read_at(fd_, head, sizeof head, at, path_) < sizeof head)
    throw std::runtime_error(where + " is cut short (was the file changed?)");
  const std::uint64_t length = get_u64(head);
  if (length > end_ - at - kEntryHeaderBytes)
    throw std::runtime_error(where + " is corrupt (was the file changed?)");
  std::string payload(length, '\0');
  if (read_at(fd_, payload.data(), length, at + kEntryHeaderBytes, path_) < length ||
      sweep::fnv1a_64(payload) != get_u64(head + 8))
    throw std::runtime_error(where + " is corrupt (was the file changed?)");
  return sweep::decode_record(payload);
}

void SweepJournal::remove() {
  if (path_.empty()) return;
  close_file();
  offset_.assign(offset_.size(), kAbsent);
  completed_ = 0;
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT)
    throw std::runtime_error("cannot delete sweep journal '" + path_ + "': " + errno_text(errno));
}

}  // namespace magsim::engine::io
