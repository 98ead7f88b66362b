// Small RAII owners for HDF5 C handles, plus the few typed helpers the run writer and reader share
// (string and number attributes, error reporting).
//
// Every hid_t the engine gets from HDF5 is owned by exactly one of these objects from the moment
// it is returned, so no handle leaks on any path, exceptions included. A failed HDF5 call becomes
// a std::runtime_error whose message says what was being done, to which file, and what HDF5
// reported (e.g. "Permission denied"); nothing is printed to stderr.
//
// Threads: Debian's HDF5 1.10 is built without the thread-safe option, so no two threads may be
// inside HDF5 at the same time — not even on different files. Callers serialize all use of these
// types (and of Hdf5RunWriter / read_run_file) across threads.
#pragma once

#include <hdf5.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace magsim::engine::io::hdf5 {

// Turns HDF5's automatic error-stack printing off for the lifetime of the guard and restores the
// previous handler afterwards. Put one at the top of every public entry point that calls HDF5, so
// library users who rely on HDF5's printing elsewhere keep it. (The setting itself is per thread
// in thread-safe HDF5 builds and process-wide otherwise; see the note on threads above.)
class ErrorPrintingOff {
 public:
  ErrorPrintingOff() {
    if (H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_) < 0) {
      saved_func_ = nullptr;
      saved_data_ = nullptr;
    }
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~ErrorPrintingOff() { H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_); }
  ErrorPrintingOff(const ErrorPrintingOff&) = delete;
  ErrorPrintingOff& operator=(const ErrorPrintingOff&) = delete;

 private:
  H5E_auto2_t saved_func_ = nullptr;
  void* saved_data_ = nullptr;
};

namespace detail {
// HDF5's low-level messages carry a long tail ("errno = 28, error message = 'No space left on
// device', buf = 0x..., total write size = ..."): keep the lead-in and the system's message.
inline std::string shorten(const std::string& desc) {
  const std::string key = "error message = '";
  const auto at = desc.find(key);
  if (at == std::string::npos) return desc;
  const auto begin = at + key.size();
  const auto end = desc.find('\'', begin);
  const std::string system = desc.substr(begin, end == std::string::npos ? end : end - begin);
  return desc.substr(0, desc.find(':')) + " (" + system + ")";
}

// Collects the descriptions on HDF5's current error stack, innermost first (the first few are
// the ones that say what went wrong), and clears the stack.
inline std::string take_error_stack() {
  std::vector<std::string> lines;
  auto walker = [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
    auto* out = static_cast<std::vector<std::string>*>(data);
    if (e && e->desc && *e->desc) out->emplace_back(e->desc);
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walker, &lines);
  H5Eclear2(H5E_DEFAULT);
  std::vector<std::string> kept;
  for (const auto& l : lines) {
    const std::string s = shorten(l);
    bool seen = false;
    // Skip a line already kept, also in its longer form ("file write failed (File too large)").
    for (const auto& k : kept) seen = seen || k.compare(0, s.size(), s) == 0;
    if (!seen) kept.push_back(s);
  }
  constexpr std::size_t kMaxLines = 4;
  std::string text;
  for (std::size_t i = 0; i < kept.size() && i < kMaxLines; ++i) text += (i ? "; " : "") + kept[i];
  return text;
}
}  // namespace detail

// Throws std::runtime_error("<context>: <what HDF5 said>"). `context` should name the file.
[[noreturn]] inline void throw_error(const std::string& context) {
  const std::string stack = detail::take_error_stack();
  throw std::runtime_error(stack.empty() ? context : context + " (HDF5: " + stack + ")");
}

inline void check(herr_t status, const std::string& context) {
  if (status < 0) throw_error(context);
}

// Owns one hid_t and closes it with `Close`. Move-only. Constructing from a negative id (a failed
// HDF5 call) throws with `context`, so a handle object is never invalid unless default-built or
// moved from.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, const std::string& context) : id_(id) {
    if (id_ < 0) throw_error(context);
  }
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

  // Closes now; errors on close are ignored (used on unwinding paths). Use close() to see them.
  void reset() noexcept {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }
  // Gives up ownership without closing (for an identifier HDF5 can no longer close).
  hid_t release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }
  // Closes now and throws if HDF5 reports a failure (e.g. the final flush of a file hit a full
  // disk).
  void close(const std::string& context) {
    if (id_ < 0) return;
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    check(Close(id), context);
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using Attribute = Handle<H5Aclose>;
using PropertyList = Handle<H5Pclose>;

// ---- strings --------------------------------------------------------------------------------

// Variable-length UTF-8 string type: h5py reads it as str, netCDF-4 / xarray as a string.
inline Datatype utf8_string_type() {
  Datatype t(H5Tcopy(H5T_C_S1), "copying the C string type");
  check(H5Tset_size(t.get(), H5T_VARIABLE), "making a variable-length string type");
  check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "setting UTF-8 on a string type");
  return t;
}

// True if `name` names a link (dataset or group) directly inside `loc`.
inline bool has_link(hid_t loc, const std::string& name) {
  return H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0;
}

inline void delete_attribute_if_present(hid_t obj, const std::string& name,
                                        const std::string& context) {
  const htri_t exists = H5Aexists(obj, name.c_str());
  if (exists < 0) throw_error(context);
  if (exists > 0) check(H5Adelete(obj, name.c_str()), context);
}

// Writes (or replaces) a scalar string attribute.
inline void write_string_attribute(hid_t obj, const std::string& name, const std::string& value,
                                   const std::string& context) {
  delete_attribute_if_present(obj, name, context);
  Datatype type = utf8_string_type();
  Dataspace space(H5Screate(H5S_SCALAR), context);
  Attribute attr(H5Acreate2(obj, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                 context);
  const char* p = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &p), context);
  attr.close(context);
}

// Writes (or replaces) a scalar float64 attribute.
inline void write_double_attribute(hid_t obj, const std::string& name, double value,
                                   const std::string& context) {
  delete_attribute_if_present(obj, name, context);
  Dataspace space(H5Screate(H5S_SCALAR), context);
  Attribute attr(
      H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT),
      context);
  check(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), context);
  attr.close(context);
}

// Reads a string stored with either variable-length or fixed-length string type, from an
// attribute (is_attribute) or a dataset. Only the first element of an array is returned.
inline std::string read_string(hid_t id, bool is_attribute, const std::string& context) {
  Datatype file_type(is_attribute ? H5Aget_type(id) : H5Dget_type(id), context);
  if (H5Tget_class(file_type.get()) != H5T_STRING)
    throw std::runtime_error(context + ": not a string");
  Dataspace space(is_attribute ? H5Aget_space(id) : H5Dget_space(id), context);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 1) return {};
  const htri_t is_vl = H5Tis_variable_str(file_type.get());
  if (is_vl < 0) throw_error(context);
  // Memory type = file type: HDF5 does not convert between ASCII and UTF-8 character sets.
  Datatype mem_type(H5Tcopy(file_type.get()), context);
  if (is_vl > 0) {
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    const herr_t st = is_attribute
                          ? H5Aread(id, mem_type.get(), ptrs.data())
                          : H5Dread(id, mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
    if (st < 0) throw_error(context);
    std::string out = ptrs[0] ? std::string(ptrs[0]) : std::string();
    for (char* p : ptrs) H5free_memory(p);
    return out;
  }
  const std::size_t size = H5Tget_size(file_type.get());
  std::vector<char> buf(size * static_cast<std::size_t>(n) + 1, '\0');
  const herr_t st = is_attribute
                        ? H5Aread(id, mem_type.get(), buf.data())
                        : H5Dread(id, mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  if (st < 0) throw_error(context);
  std::string out(buf.data(), size);
  const auto end = out.find('\0');
  if (end != std::string::npos) out.resize(end);
  if (H5Tget_strpad(file_type.get()) == H5T_STR_SPACEPAD) {
    const auto last = out.find_last_not_of(' ');
    out.resize(last == std::string::npos ? 0 : last + 1);
  }
  return out;
}

// Reads the first element of a numeric attribute as a double.
inline double read_double_attribute(hid_t obj, const std::string& name,
                                    const std::string& context) {
  Attribute attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), context);
  Dataspace space(H5Aget_space(attr.get()), context);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 1) throw std::runtime_error(context + ": attribute '" + name + "' is empty");
  std::vector<double> v(static_cast<std::size_t>(n));
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v.data()), context);
  return v[0];
}

// Reads a string attribute; `fallback` if it does not exist.
inline std::string read_string_attribute(hid_t obj, const std::string& name,
                                         const std::string& context,
                                         const std::string& fallback = {}) {
  const htri_t exists = H5Aexists(obj, name.c_str());
  if (exists < 0) throw_error(context);
  if (exists == 0) return fallback;
  Attribute attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), context);
  return read_string(attr.get(), true, context);
}

// Names of the links directly in `group`, in creation order when the file tracks it (magsim's
// writers do), else alphabetically.
inline std::vector<std::string> link_names(hid_t group, const std::string& context) {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  if (H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr, collect, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names), context);
  }
  return names;
}

}  // namespace magsim::engine::io::hdf5
