// magsim._core: app/, the façade over the engine and the magnesium model, for Python. A thin
// shell: scenarios are parsed, simulated and written by the same calls as the CLI
// (app::load_scenario*, app::simulate, app::open_run_writer + app::run_output), so a run
// saved from Python is the file `magsim run` writes. The pure-Python package (bindings/magsim/)
// builds the user-facing API (Scenario, Result, run, run_many, open, sweep) on top of this module.
// A sweep is read and computed by the calls `magsim sweep` makes (app::prepare_sweep_text,
// app::compute_run on app::run_sweep_on_threads), so its numbers are those of the CLI's file.
//
// Threads: simulations run with the GIL released, on C++ threads (one per run in run(), a pool in
// run_many() and sweep()). HDF5 1.10 is not thread-safe, so every HDF5 call (save, open) holds
// the GIL, which serializes them; simulations never touch HDF5.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "app/dataset_loading.hpp"
#include "app/fit.hpp"
#include "app/output_budget.hpp"
#include "app/run_output.hpp"
#include "app/run_summary.hpp"
#include "app/scenario_loading.hpp"
#include "app/model.hpp"
#include "app/sweep_output.hpp"
#include "app/text_output.hpp"
#include "app/run_file.hpp"
#include "app/simulate.hpp"

namespace py = pybind11;

namespace magsim::bindings {
namespace {

// ---- scenarios -------------------------------------------------------------------------------

// A parsed, validated scenario ready to run, with the name a saved file records as its source.
struct Loaded {
  app::LoadedScenario loaded;
  std::string scenario_file;
};

// ---- samples kept in memory, one contiguous column per series ----------------------------------

// Column-wise rather than MemorySink's row-major block, so that each series is a contiguous
// NumPy array over the C++ buffer (no copy, no strides).
class ColumnSink : public app::SampleSink {
 public:
  void begin(const app::ModelInfo& info) override {
    time.clear();
    outputs.assign(info.outputs.size(), {});
    states.assign(info.states.size(), {});
  }
  void sample(double t, const double* y, const double* x) override {
    time.push_back(t);
    for (std::size_t k = 0; k < outputs.size(); ++k) outputs[k].push_back(y[k]);
    for (std::size_t i = 0; i < states.size(); ++i) states[i].push_back(x[i]);
  }
  std::vector<double> time;
  std::vector<std::vector<double>> outputs;
  std::vector<std::vector<double>> states;
};

// A root attribute of a run file: a number (with its unit, "" if none) or a string.
struct Attribute {
  bool numeric = false;
  double number = 0;
  std::string unit;
  std::string text;
};

// One run's data, from a simulation or read from a file; immutable once built. NumPy arrays
// handed to Python point into `columns` and keep this object alive through their base.
struct RunData {
  std::vector<double> time;
  std::vector<std::vector<double>> columns;
  std::vector<std::string> names;             // series exposed, in file order
  std::vector<std::size_t> column_of;         // names[i] -> columns index
  std::map<std::string, std::string> units;   // series (and "time") -> unit
  std::map<std::string, std::string> descriptions;
  std::vector<std::pair<std::string, Attribute>> attributes;  // in writing order
  std::vector<app::StoredParameter> parameters;
  std::vector<app::EventRecord> events;
  std::string scenario_given, scenario_resolved, scenario_file;
  double duration_h = 0;
  double retention_percent = std::numeric_limits<double>::quiet_NaN();

  // Set for a simulated run: what save() needs to write the file the CLI writes.
  std::shared_ptr<Loaded> loaded;
  std::optional<app::RunStats> stats;
  std::optional<app::RunSummary> summary;
  std::size_t n_outputs = 0;  // columns: model outputs first, then states
  std::string source_path;    // set for a run read from a file

  void set_number(const std::string& name, double v, const std::string& unit) {
    Attribute a;
    a.numeric = true;
    a.number = v;
    a.unit = unit;
    set(name, std::move(a));
  }
  void set_text(const std::string& name, const std::string& v) {
    Attribute a;
    a.text = v;
    set(name, std::move(a));
  }
  void set(const std::string& name, Attribute a) {
    for (auto& [n, old] : attributes)
      if (n == name) {
        old = std::move(a);
        return;
      }
    attributes.emplace_back(name, std::move(a));
  }
};

// Simulates one loaded scenario; pure C++, safe on any thread without the GIL.
std::shared_ptr<RunData> simulate_loaded(const std::shared_ptr<Loaded>& handle,
                                         const std::atomic<bool>* cancel) {
  const auto& model = app::model();
  const auto& info = model.info();
  const auto& loaded = handle->loaded;
  // Every sample of every series stays in memory here: refuse what the machine cannot hold.
  if (const auto why = app::memory_does_not_fit(app::estimate_output(loaded)); !why.empty())
    throw std::length_error(why);
  ColumnSink columns;
  auto summary = app::make_run_summary(loaded);
  app::TeeSink sinks({&columns, &summary});
  const app::RunStats stats = app::simulate(loaded, sinks, cancel);

  auto d = std::make_shared<RunData>();
  d->time = std::move(columns.time);
  d->n_outputs = info.outputs.size();
  d->columns = std::move(columns.outputs);
  for (auto& s : columns.states) d->columns.push_back(std::move(s));
  d->units["time"] = "h";
  d->descriptions["time"] = "time since the start of the run";

  // The same selection as Hdf5RunWriter::begin: every output, or the listed outputs and states.
  auto pick = [&](const std::string& name, const std::string& unit, const std::string& text,
                  std::size_t column) {
    if (std::find(d->names.begin(), d->names.end(), name) != d->names.end()) return;
    d->names.push_back(name);
    d->column_of.push_back(column);
    d->units[name] = unit;
    d->descriptions[name] = text;
  };
  const auto& variables = loaded.scenario.output.variables;
  if (variables.empty()) {
    for (std::size_t k = 0; k < info.outputs.size(); ++k)
      pick(info.outputs[k].name, info.outputs[k].unit, info.outputs[k].description, k);
  } else {
    for (const auto& name : variables) {
      if (const int k = info.find_output(name); k >= 0) {
        const auto& o = info.outputs[static_cast<std::size_t>(k)];
        pick(o.name, o.unit, o.description, static_cast<std::size_t>(k));
      } else if (const int i = info.find_state(name); i >= 0) {
        const auto& s = info.states[static_cast<std::size_t>(i)];
        pick(s.name, s.unit, s.description, d->n_outputs + static_cast<std::size_t>(i));
      } else {
        throw std::invalid_argument("unknown output variable '" + name + "'");
      }
    }
  }

  // Root attributes as app::run_metadata and app::write_run_results put them in the file.
  const auto meta = app::run_metadata(loaded, handle->scenario_file);
  d->set_text("magsim_version", meta.magsim_version);
  d->set_text("git_revision", meta.git_revision);
  d->set_text("model", meta.model_name);
  d->set_text("model_version", meta.model_version);
  d->set_text("scenario_file", meta.scenario_file);
  d->set_text("solver_method", meta.solver_method);
  d->set_number("rtol", meta.rtol, "");
  d->set_number("atol", meta.atol, "");
  d->set_number("max_step", meta.max_step_h, "h");
  for (const auto& a : app::run_result_attributes(loaded, stats, summary)) {
    if (a.numeric)
      d->set_number(a.name, a.number, a.unit);
    else
      d->set_text(a.name, a.text);
  }
  d->retention_percent = summary.retention_percent();

  const auto& values = loaded.problem.parameters;
  for (std::size_t i = 0; i < info.parameters.size(); ++i) {
    const auto& p = info.parameters[i];
    d->parameters.push_back(
        {p.name, i < values.size() ? values[i] : p.value, p.value, p.unit, p.min, p.max, p.source,
         p.note});
  }
  d->events = app::event_records(loaded);
  d->scenario_given = meta.scenario_given;
  d->scenario_resolved = meta.scenario_resolved;
  d->scenario_file = meta.scenario_file;
  d->duration_h = loaded.problem.duration_h;
  d->loaded = handle;
  d->stats = stats;
  d->summary = std::move(summary);
  return d;
}

std::shared_ptr<RunData> read_run(const std::string& path) {
  app::RunFile f = app::read_run(path);
  auto d = std::make_shared<RunData>();
  d->time = std::move(f.time);
  for (const auto& name : f.series_names) {
    auto it = f.series.find(name);
    if (it == f.series.end()) continue;
    d->names.push_back(name);
    d->column_of.push_back(d->columns.size());
    d->columns.push_back(std::move(it->second));
  }
  d->units = std::move(f.units);
  d->descriptions = std::move(f.descriptions);
  if (!d->units.count("time")) d->units["time"] = "h";
  // Numbers first, then strings; `X_units` strings become the unit of number X.
  for (const auto& [name, v] : f.numeric_attributes) {
    auto u = f.string_attributes.find(name + "_units");
    d->set_number(name, v, u == f.string_attributes.end() ? "" : u->second);
  }
  for (const auto& [name, v] : f.string_attributes) {
    const auto n = name.size();
    if (n > 6 && name.compare(n - 6, 6, "_units") == 0 &&
        f.numeric_attributes.count(name.substr(0, n - 6)))
      continue;
    d->set_text(name, v);
  }
  d->parameters = std::move(f.parameters);
  d->events = std::move(f.events);
  d->scenario_given = std::move(f.scenario_given);
  d->scenario_resolved = std::move(f.scenario_resolved);
  if (auto it = f.string_attributes.find("scenario_file"); it != f.string_attributes.end())
    d->scenario_file = it->second;
  if (auto it = f.numeric_attributes.find("duration"); it != f.numeric_attributes.end())
    d->duration_h = it->second;
  else if (!d->time.empty())
    d->duration_h = d->time.back();
  if (auto it = f.numeric_attributes.find("retention"); it != f.numeric_attributes.end())
    d->retention_percent = it->second;
  d->source_path = path;
  return d;
}

// Writes a simulated run exactly as `magsim run` does: same metadata, inputs, series (replayed
// sample by sample through the same writer) and results, committed atomically.
void save_run(const RunData& d, const std::string& path) {
  if (!d.loaded || !d.stats || !d.summary)
    throw std::logic_error("only a simulated run can be saved this way");
  const auto& info = app::model().info();
  const auto& loaded = d.loaded->loaded;
  // As `magsim run -o`: never over the run's own scenario file, through whatever path names it
  // (a scenario made from text has only a name, which is no file's).
  std::error_code ec;
  if (std::filesystem::exists(d.scenario_file, ec) &&
      !app::input_at_output_path(path, {d.scenario_file}).empty())
    throw std::runtime_error("cannot write output '" + path + "': it is the scenario file '" +
                             d.scenario_file + "' of this run; give another path");
  app::check_output_path(path, "output");  // a device, a FIFO, a link: refused whatever its name
  // As `magsim run -o`: the extension chooses the format (.h5/.hdf5, .csv, .nc); any other is
  // refused (std::invalid_argument, ValueError in Python) before anything is written.
  const auto writer =
      app::open_run_writer(path, app::run_format_for(path, std::nullopt),
                           app::run_metadata(loaded, d.scenario_file));
  app::write_run_inputs(*writer, loaded);
  writer->begin(info);
  std::vector<double> y(d.n_outputs), x(d.columns.size() - d.n_outputs);
  for (std::size_t s = 0; s < d.time.size(); ++s) {
    for (std::size_t k = 0; k < y.size(); ++k) y[k] = d.columns[k][s];
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = d.columns[d.n_outputs + i][s];
    writer->sample(d.time[s], y.data(), x.data());
  }
  writer->end();
  app::write_run_results(*writer, loaded, *d.stats, *d.summary);
  writer->commit();
}

// ---- errors: C++ exceptions to magsim.ScenarioError / magsim.SimulationError ------------------

py::object error_class(const char* name) {
  return py::module_::import("magsim._errors").attr(name);
}

// The Python exception object for the exception `e` (rethrown and classified here).
py::object python_error(const std::exception_ptr& e, const std::string& scenario_file) {
  try {
    std::rethrow_exception(e);
  } catch (const app::ScenarioError& err) {
    return error_class("ScenarioError")(std::string(err.what()), err.file(), err.line(),
                                        err.column());
  } catch (const app::SimulationError& err) {
    return error_class("SimulationError")(std::string(err.what()), err.stage(), err.time_h(),
                                          scenario_file);
  } catch (const std::invalid_argument& err) {
    return py::reinterpret_steal<py::object>(
        PyObject_CallFunction(PyExc_ValueError, "s", err.what()));
  } catch (const std::exception& err) {
    return py::reinterpret_steal<py::object>(
        PyObject_CallFunction(PyExc_RuntimeError, "s", err.what()));
  }
}

[[noreturn]] void raise(const py::object& error) {
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw py::error_already_set();
}

// Runs each of `workers` on its own C++ thread with the GIL released, waking every 100 ms to let
// Python handle signals: Ctrl-C (a notebook's "interrupt kernel") sets `cancel`, the integrators
// stop at their next step, and KeyboardInterrupt is raised once every thread has finished.
// `poll`, if given, is called at each wake-up with the GIL held (a progress bar's update).
void run_released(const std::vector<std::function<void()>>& workers, std::atomic<bool>& cancel,
                  const std::function<void()>& poll = {}) {
  std::mutex m;
  std::condition_variable cv;
  std::size_t running = workers.size();
  bool interrupted = false;
  {
    py::gil_scoped_release nogil;
    std::vector<std::thread> threads;
    threads.reserve(workers.size());
    auto finish = [&] {
      std::lock_guard<std::mutex> lock(m);
      if (--running == 0) cv.notify_all();
    };
    for (const auto& w : workers) {
      try {
        threads.emplace_back([&finish, w] {
          w();  // never throws: workers keep their exceptions
          finish();
        });
      } catch (const std::system_error&) {
        w();  // no thread to be had: do this share of the work here
        finish();
      }
    }
    std::unique_lock<std::mutex> lock(m);
    while (running > 0) {
      if (cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; })) break;
      if (!interrupted) {
        lock.unlock();
        {
          py::gil_scoped_acquire gil;
          if (PyErr_CheckSignals() != 0) interrupted = true;  // error indicator stays set
          else if (poll) poll();
        }
        if (interrupted) cancel.store(true);
        lock.lock();
      }
    }
    lock.unlock();
    for (auto& t : threads) t.join();
  }
  if (interrupted) throw py::error_already_set();
}

// Counts finished runs for `callback(done, total)` (a Python callable or None), which
// run_released's polls call; an exception it raises cancels the work and is raised afterwards.
struct Progress {
  Progress(py::object callback, std::size_t total, std::atomic<bool>& cancel)
      : callback_(std::move(callback)), total_(total), cancel_(cancel) {}
  void one_done() { done_.fetch_add(1, std::memory_order_relaxed); }
  std::function<void()> poll() {
    if (callback_.is_none()) return {};
    return [this] {
      if (error_) return;
      try {
        callback_(done_.load(std::memory_order_relaxed), total_);
      } catch (py::error_already_set& e) {
        error_ = std::make_exception_ptr(std::move(e));
        cancel_.store(true);
      }
    };
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  py::object callback_;
  std::size_t total_;
  std::atomic<bool>& cancel_;
  std::atomic<std::size_t> done_{0};
  std::exception_ptr error_;
};

// ---- the module's functions --------------------------------------------------------------------

std::shared_ptr<Loaded> load_file(const std::string& path,
                                        const std::vector<std::string>& sets) {
  auto h = std::make_shared<Loaded>();
  h->loaded = app::load_scenario(path, sets);
  h->scenario_file = path;
  return h;
}

std::shared_ptr<Loaded> load_text(const std::string& text, const std::string& name,
                                        const std::vector<std::string>& sets) {
  auto h = std::make_shared<Loaded>();
  h->loaded = app::load_scenario_text(text, name, sets);
  h->scenario_file = name;
  return h;
}

// An event dataset (app::load_dataset, GIL released) as plain Python data: the dataset's file
// names and warnings, each series' unit, and per subject its ID, scenario text and observation
// columns (the DataFrame is made in magsim/_dataset.py).
py::dict read_dataset(const std::string& mapping, const std::string& data) {
  app::LoadedDataset loaded;
  {
    py::gil_scoped_release nogil;
    loaded = app::load_dataset(mapping, data);
  }
  const app::Dataset& d = loaded.dataset;
  py::dict units;
  for (const auto& [series, unit] : d.series_units) units[py::str(series)] = unit;
  py::list subjects;
  for (const auto& s : d.subjects) {
    std::vector<std::string> series, unit, where;
    std::vector<double> time_h, start_h, value;
    std::vector<bool> censored;
    for (const auto& o : s.observations) {
      series.push_back(o.series);
      for (const auto& [name, u] : d.series_units)
        if (name == o.series) unit.push_back(u);
      time_h.push_back(o.time_h);
      start_h.push_back(o.start_h);
      value.push_back(o.value);
      censored.push_back(o.censored);
      where.push_back(o.where);
    }
    py::dict obs;
    obs["series"] = series;
    obs["time_h"] = time_h;
    obs["start_h"] = start_h;
    obs["value"] = value;
    obs["unit"] = unit;
    obs["censored"] = censored;
    obs["where"] = where;
    py::dict one;
    one["id"] = s.id;
    one["scenario_name"] = s.scenario_name;
    one["scenario_yaml"] = s.scenario_yaml;
    one["doses"] = s.doses;
    one["rows"] = py::make_tuple(s.first_row, s.last_row);
    one["warnings"] = s.warnings;
    one["observations"] = obs;
    subjects.append(one);
  }
  py::dict out;
  out["file"] = d.file;
  out["mapping_file"] = d.mapping_file;
  out["warnings"] = loaded.warnings;
  out["series_units"] = units;
  out["subjects"] = subjects;
  return out;
}

std::shared_ptr<RunData> run_one(const std::shared_ptr<Loaded>& handle) {
  std::atomic<bool> cancel{false};
  std::shared_ptr<RunData> out;
  std::exception_ptr error;
  run_released({[&] {
                 try {
                   out = simulate_loaded(handle, &cancel);
                 } catch (...) {
                   error = std::current_exception();
                 }
               }},
               cancel);
  if (error) raise(python_error(error, handle->scenario_file));
  return out;
}

// One result per scenario, in order: a RunData or the Python exception object of its failure.
// `progress`: None, or a callable (done, total) called about every 100 ms while runs go on.
py::list run_many(const std::vector<std::shared_ptr<Loaded>>& handles, int threads,
                  py::object progress) {
  const std::size_t n = handles.size();
  std::vector<std::shared_ptr<RunData>> results(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> cancel{false};
  Progress counter(std::move(progress), n, cancel);
  const std::size_t workers_n =
      std::max<std::size_t>(1, std::min<std::size_t>(n, static_cast<std::size_t>(threads)));
  std::vector<std::function<void()>> workers;
  if (n > 0)
    for (std::size_t w = 0; w < workers_n; ++w)
      workers.emplace_back([&] {
        for (std::size_t i = next++; i < n; i = next++) {
          if (cancel.load()) return;
          try {
            results[i] = simulate_loaded(handles[i], &cancel);
          } catch (...) {
            errors[i] = std::current_exception();
          }
          counter.one_done();
        }
      });
  run_released(workers, cancel, counter.poll());
  counter.rethrow();
  py::list out;
  for (std::size_t i = 0; i < n; ++i)
    out.append(errors[i] ? python_error(errors[i], handles[i]->scenario_file)
                         : py::cast(results[i]));
  return out;
}

py::array column_view(py::handle owner, const std::vector<double>& v) {
  py::array a(py::dtype::of<double>(), {static_cast<py::ssize_t>(v.size())},
              {static_cast<py::ssize_t>(sizeof(double))}, v.data(), owner);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

py::dict attribute_dict(const RunData& d) {
  py::dict out;
  for (const auto& [name, a] : d.attributes) {
    if (a.numeric) {
      out[py::str(name)] = a.number;
      if (!a.unit.empty()) out[py::str(name + "_units")] = a.unit;
    } else {
      out[py::str(name)] = a.text;
    }
  }
  return out;
}

py::list parameter_rows(const std::vector<app::StoredParameter>& params) {
  py::list rows;
  for (const auto& p : params)
    rows.append(py::dict(py::arg("name") = p.name, py::arg("value") = p.value,
                         py::arg("default") = p.default_value, py::arg("unit") = p.unit,
                         py::arg("min") = p.min, py::arg("max") = p.max,
                         py::arg("source") = p.source, py::arg("note") = p.note));
  return rows;
}

// ---- sweeps ------------------------------------------------------------------------------------

// A float64 column of `n` rows, NaN where `value(row)` has nothing.
template <class Value>
py::array_t<double> number_column(std::size_t n, Value value) {
  py::array_t<double> a(static_cast<py::ssize_t>(n));
  double* p = a.mutable_data();
  for (std::size_t r = 0; r < n; ++r) p[r] = value(r);
  return a;
}

// A NumPy object array of Python str, one per row.
template <class Text>
py::object text_column(std::size_t n, Text text) {
  py::list items;
  for (std::size_t r = 0; r < n; ++r) items.append(py::str(text(r)));
  return py::module_::import("numpy").attr("array")(items, py::arg("dtype") = "object");
}

// magsim._core.sweep: reads the sweep (text, with the base scenario's text when it is not a
// file, and `sets`: edits of the sweep itself, as `magsim sweep --set`), computes its runs (or
// one shard's: i % count == index) on `threads` C++ threads with the GIL released, and returns
// the rows of those runs, in run order, as plain data (see _core.pyi). Each run is
// app::compute_run, as in `magsim sweep`, so the numbers are the file's, bit for bit.
py::dict sweep(const std::string& text, const std::string& name,
               const std::optional<std::string>& base_text, std::optional<int> threads,
               std::optional<std::pair<std::int64_t, std::int64_t>> shard,
               const std::vector<std::string>& sets, py::object progress) {
  const int thread_count =
      threads.value_or(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  if (thread_count < 1)
    throw std::invalid_argument("threads must be a positive integer, got " +
                                std::to_string(thread_count));
  const auto [shard_index, shard_count] =
      shard.value_or(std::pair<std::int64_t, std::int64_t>{0, 1});
  if (shard_count < 1 || shard_index < 0 || shard_index >= shard_count)
    throw std::invalid_argument("shard (index, count) needs 0 <= index < count, got (" +
                                std::to_string(shard_index) + ", " +
                                std::to_string(shard_count) + ")");
  const auto first = static_cast<std::uint64_t>(shard_index);
  const auto step = static_cast<std::uint64_t>(shard_count);

  // Reading the sweep builds its plan and checks every edit against the base scenario: worth
  // releasing the GIL for. A ScenarioError leaves through the module's translator as
  // magsim.ScenarioError.
  app::PreparedSweep prepared;
  {
    py::gil_scoped_release nogil;
    prepared = app::prepare_sweep_text(text, name, base_text ? &*base_text : nullptr, sets);
  }
  const app::SweepLayout& layout = prepared.layout;

  std::vector<std::uint64_t> todo;
  for (std::uint64_t i = first; i < layout.runs; i += step) todo.push_back(i);
  std::vector<app::RunRecord> records(todo.size());
  std::atomic<bool> cancel{false};
  Progress counter(std::move(progress), todo.size(), cancel);
  std::exception_ptr error;
  const auto start = std::chrono::steady_clock::now();
  run_released({[&] {
                 try {
                   app::run_sweep_on_threads(
                       prepared, todo, thread_count,
                       [&](app::RunRecord&& r) {
                         records[static_cast<std::size_t>((r.index - first) / step)] =
                             std::move(r);
                         counter.one_done();
                       },
                       &cancel);
                 } catch (...) {
                   error = std::current_exception();
                 }
               }},
               cancel, counter.poll());
  counter.rethrow();
  const double wall_time_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (error) raise(python_error(error, name));

  // Rows as the sweep file has them: a run not handed back (none, unless cancelled) is
  // "not_run" with NaN numbers and "" texts.
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const std::size_t n = todo.size();
  const std::size_t t_count = layout.series_time_h.size();
  py::dict units, descriptions, inputs, summary, series;

  py::array_t<std::uint64_t> run(static_cast<py::ssize_t>(n));
  std::copy(todo.begin(), todo.end(), run.mutable_data());

  for (std::size_t c = 0; c < layout.inputs.size(); ++c) {
    const app::SweepColumn& col = layout.inputs[c];
    auto has = [&](std::size_t r) { return c < records[r].inputs.size(); };
    if (col.numeric) {
      inputs[py::str(col.name)] = number_column(
          n, [&](std::size_t r) { return has(r) ? records[r].inputs[c].number : nan; });
      units[py::str(col.name)] = col.unit;
    } else {
      inputs[py::str(col.name)] = text_column(
          n, [&](std::size_t r) { return has(r) ? records[r].inputs[c].text : std::string(); });
      if (!col.unit.empty()) units[py::str(col.name)] = col.unit;
    }
    descriptions[py::str(col.name)] = col.description;
  }
  for (std::size_t c = 0; c < layout.summaries.size(); ++c) {
    const app::SweepColumn& col = layout.summaries[c];
    summary[py::str(col.name)] = number_column(n, [&](std::size_t r) {
      return c < records[r].summaries.size() ? records[r].summaries[c] : nan;
    });
    units[py::str(col.name)] = col.unit;
    descriptions[py::str(col.name)] = col.description;
  }
  for (std::size_t k = 0; k < layout.series.size(); ++k) {
    const app::SweepColumn& col = layout.series[k];
    py::array_t<double> a({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(t_count)});
    double* p = a.mutable_data();
    for (std::size_t r = 0; r < n; ++r) {
      const bool kept = k < records[r].series.size() && records[r].series[k].size() == t_count;
      for (std::size_t t = 0; t < t_count; ++t)
        p[r * t_count + t] = kept ? records[r].series[k][t] : nan;
    }
    series[py::str(col.name)] = a;
    units[py::str(col.name)] = col.unit;
    descriptions[py::str(col.name)] = col.description;
  }
  units["time"] = "h";
  descriptions["time"] = "sample times of the kept series, since the start of each run";
  units["wall_time"] = "s";
  descriptions["wall_time"] = "wall-clock time the run took (NaN if not run)";

  py::dict out;
  out["runs"] = layout.runs;
  out["shard"] = step > 1 ? std::to_string(first) + "/" + std::to_string(step) : std::string();
  out["run"] = run;
  out["inputs"] = inputs;
  out["summary"] = summary;
  out["status"] = text_column(
      n, [&](std::size_t r) { return app::run_status_name(records[r].status); });
  out["message"] = text_column(n, [&](std::size_t r) { return records[r].message; });
  out["wall_time"] = number_column(n, [&](std::size_t r) {
    return records[r].status == app::RunStatus::NotRun ? nan : records[r].wall_time_s;
  });
  out["series"] = series;
  out["time"] = py::array_t<double>(static_cast<py::ssize_t>(t_count), layout.series_time_h.data());
  out["units"] = units;
  out["descriptions"] = descriptions;
  out["fingerprint"] = layout.fingerprint;
  out["sweep_file"] = layout.sweep_file;
  out["sweep_text"] = layout.sweep_text;
  out["sweep_resolved"] = layout.sweep_resolved;
  out["base_file"] = layout.base_file;
  out["base_text"] = layout.base_text;
  out["threads"] = thread_count;
  out["wall_time_s"] = wall_time_s;
  return out;
}

// ---- fits ---------------------------------------------------------------------------------------

// A fit file read (app::load_fit*) and, once run, its estimates and profiles. The Python class
// magsim.FitResult (magsim/_fit.py) reads the estimates from the fit file this session writes
// (app::write_fit_outputs), so that a fit in memory and one read back with magsim.open_fit are
// the same tables.
struct Fit {
  app::FitSession session;
  bool done = false;
};

std::shared_ptr<Fit> load_fit_file(const std::string& path) {
  auto f = std::make_shared<Fit>();
  py::gil_scoped_release nogil;
  f->session = app::load_fit(path);
  return f;
}

std::shared_ptr<Fit> load_fit_text(const std::string& text, const std::string& name) {
  auto f = std::make_shared<Fit>();
  py::gil_scoped_release nogil;
  f->session = app::load_fit_text(text, name);
  return f;
}

// Estimates (app::run_fit) and, with `profile` (empty list: every estimated parameter), profiles
// (app::run_profiles), on C++ threads with the GIL released. `progress` (a callable or None)
// gets the app layer's lines; it runs with the GIL taken for the call only. An exception it
// raises stops the fit and is raised here; Ctrl-C stops it with KeyboardInterrupt.
void run_fit(Fit& fit, int threads, std::optional<int> multistart,
             std::optional<std::vector<std::string>> profile, py::object progress) {
  if (threads < 1)
    throw std::invalid_argument("threads must be a positive integer, got " +
                                std::to_string(threads));
  if (multistart && *multistart < 1)
    throw std::invalid_argument("multistart must be a positive integer, got " +
                                std::to_string(*multistart));
  std::atomic<bool> cancel{false};
  std::exception_ptr error, progress_error;
  app::FitOptions options;
  options.threads = threads;
  options.multistart = multistart.value_or(-1);
  options.cancel = &cancel;
  if (!progress.is_none())
    options.progress = [&](const std::string& line) {
      py::gil_scoped_acquire gil;
      if (progress_error) return;
      try {
        progress(line);
      } catch (...) {
        progress_error = std::current_exception();
        cancel.store(true);
      }
    };
  fit.done = false;
  run_released({[&] {
                 try {
                   app::run_fit(fit.session, options);
                   if (profile && !cancel.load()) app::run_profiles(fit.session, *profile, options);
                 } catch (...) {
                   error = std::current_exception();
                 }
               }},
               cancel);
  if (progress_error) std::rethrow_exception(progress_error);
  if (error) raise(python_error(error, fit.session.definition.file));
  fit.done = true;
}

const app::FitSession& fitted(const Fit& fit) {
  if (!fit.done) throw std::logic_error("the fit has not been run");
  return fit.session;
}

}  // namespace
}  // namespace magsim::bindings

PYBIND11_MODULE(_core, m) {
  using namespace magsim;
  using namespace magsim::bindings;
  m.doc() =
      "magsim's C++ core (engine, magnesium model, HDF5 output). Use the package `magsim`, "
      "which wraps this module; nothing here is meant to be called directly.";
  m.attr("__version__") = app::version();
  m.attr("git_revision") = app::git_revision();

  // Errors that escape a call with the GIL held become the package's exception classes.
  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const app::ScenarioError&) {
      PyErr_SetObject(error_class("ScenarioError").ptr(), python_error(p, "").ptr());
    } catch (const app::SimulationError&) {
      PyErr_SetObject(error_class("SimulationError").ptr(), python_error(p, "").ptr());
    }
  });

  py::class_<Loaded, std::shared_ptr<Loaded>>(m, "LoadedScenario",
                                              "A parsed, validated scenario ready to run.")
      .def_property_readonly("file", [](const Loaded& l) { return l.scenario_file; })
      .def_property_readonly("name", [](const Loaded& l) { return l.loaded.scenario.name; })
      .def_property_readonly("description",
                             [](const Loaded& l) { return l.loaded.scenario.description; })
      .def_property_readonly("duration_h",
                             [](const Loaded& l) { return l.loaded.problem.duration_h; })
      .def_property_readonly("given_text",
                             [](const Loaded& l) { return l.loaded.scenario.source_text; })
      .def_property_readonly("resolved_text",
                             [](const Loaded& l) { return l.loaded.resolved_text; });

  py::class_<RunData, std::shared_ptr<RunData>>(m, "RunData", "One run's series and metadata.")
      .def_property_readonly("time",
                             [](py::object self) {
                               return column_view(self, self.cast<const RunData&>().time);
                             })
      .def("series",
           [](py::object self, const std::string& name) {
             const auto& d = self.cast<const RunData&>();
             const auto it = std::find(d.names.begin(), d.names.end(), name);
             if (it == d.names.end()) throw py::key_error(name);
             return column_view(self, d.columns[d.column_of[it - d.names.begin()]]);
           })
      .def_property_readonly("names", [](const RunData& d) { return d.names; })
      .def_property_readonly("units", [](const RunData& d) { return d.units; })
      .def_property_readonly("descriptions", [](const RunData& d) { return d.descriptions; })
      .def_property_readonly("attributes", &attribute_dict)
      .def_property_readonly("parameters",
                             [](const RunData& d) { return parameter_rows(d.parameters); })
      .def_property_readonly("events",
                             [](const RunData& d) {
                               py::list rows;
                               for (const auto& e : d.events)
                                 rows.append(py::make_tuple(e.time_h, e.kind, e.what, e.amount,
                                                            e.unit));
                               return rows;
                             })
      .def_property_readonly("scenario_given", [](const RunData& d) { return d.scenario_given; })
      .def_property_readonly("scenario_resolved",
                             [](const RunData& d) { return d.scenario_resolved; })
      .def_property_readonly("scenario_file", [](const RunData& d) { return d.scenario_file; })
      .def_property_readonly("duration_h", [](const RunData& d) { return d.duration_h; })
      .def_property_readonly("retention_percent",
                             [](const RunData& d) { return d.retention_percent; })
      .def_property_readonly("simulated", [](const RunData& d) { return bool(d.loaded); })
      .def_property_readonly("source_path", [](const RunData& d) { return d.source_path; })
      .def("save", [](const RunData& d, const std::string& path) { save_run(d, path); },
           py::arg("path"));

  m.def("load_file", &load_file, py::arg("path"), py::arg("sets"),
        "Parse and validate a scenario file (with --set style edits).");
  m.def("load_text", &load_text, py::arg("text"), py::arg("name"), py::arg("sets"),
        "Parse and validate scenario text; `name` stands for the file in messages.");
  py::class_<Fit, std::shared_ptr<Fit>>(m, "FitSession", "A fit file read, and its fit once run.")
      .def_property_readonly("file", [](const Fit& f) { return f.session.definition.file; })
      .def_property_readonly("name", [](const Fit& f) { return f.session.definition.name; })
      .def_property_readonly("method", [](const Fit& f) { return f.session.definition.method; })
      .def_property_readonly("subject_ids",
                             [](const Fit& f) {
                               std::vector<std::string> ids;
                               for (const auto& s : f.session.subjects) ids.push_back(s.id);
                               return ids;
                             })
      .def_property_readonly("estimated_parameters",
                             [](const Fit& f) {
                               std::vector<std::string> names;
                               for (const auto& p : f.session.spec.parameters) names.push_back(p.name);
                               return names;
                             })
      .def_property_readonly("estimation_subjects",
                             [](const Fit& f) {
                               std::vector<std::vector<int>> out;
                               for (const auto& e : fitted(f).estimations) out.push_back(e.subjects);
                               return out;
                             })
      .def("forecast_scenario",
           [](const Fit& f, std::size_t estimation, std::size_t subject) {
             return app::forecast_scenario(fitted(f), estimation, subject);
           },
           py::arg("estimation"), py::arg("subject"))
      .def("save",
           [](const Fit& f, const std::string& path, const std::string& report_dir) {
             const app::FitFiles files = app::write_fit_outputs(fitted(f), path, report_dir);
             py::dict out;
             out["h5"] = files.h5;
             out["scenarios"] = files.scenarios;
             out["report"] = files.report;
             return out;
           },
           py::arg("path"), py::arg("report_dir") = std::string(),
           "app::write_fit_outputs: PATH (HDF5), one forecast scenario per subject beside it "
           "and, with report_dir, the Markdown report.");
  m.def("load_fit", &load_fit_file, py::arg("path"), "Read a fit file (app::load_fit).");
  m.def("load_fit_text", &load_fit_text, py::arg("text"), py::arg("name"),
        "Read fit-file text; `name` stands for the file (and its folder for relative paths).");
  m.def("run_fit", &run_fit, py::arg("fit"), py::arg("threads") = 1,
        py::arg("multistart") = py::none(), py::arg("profile") = py::none(),
        py::arg("progress") = py::none(),
        "Estimate (and profile the named parameters; [] = all) with the GIL released.");
  m.def("read_dataset", &read_dataset, py::arg("mapping"), py::arg("data"),
        "Read an event dataset (mapping YAML, CSV or '' for the mapping's dataset:) with every "
        "subject's scenario checked; a dict of plain data (see _core.pyi).");
  m.def("run", &run_one, py::arg("scenario"), "Simulate one loaded scenario (GIL released).");
  m.def("run_many", &run_many, py::arg("scenarios"), py::arg("threads"),
        py::arg("progress") = py::none(),
        "Simulate loaded scenarios on `threads` C++ threads; one RunData or exception each. "
        "`progress(done, total)` is called about every 100 ms while they run.");
  m.def("open", &read_run, py::arg("path"), "Read a run file written by magsim.");
  m.def(
      "run_format",
      [](const std::string& path) {
        switch (app::run_format_for(path, std::nullopt)) {
          case app::RunFormat::Csv: return "csv";
          case app::RunFormat::NetCdf: return "netcdf";
          case app::RunFormat::Hdf5: break;
        }
        return "hdf5";
      },
      py::arg("path"),
      "The format a run saved at `path` gets from its extension: 'hdf5' (.h5, .hdf5), 'csv' or "
      "'netcdf' (.nc); ValueError for any other extension.");
  m.def(
      "check_output_path",
      [](const std::string& path, const std::string& what) {
        app::check_output_path(path, what);
      },
      py::arg("path"), py::arg("what"),
      "Raise RuntimeError unless `path` may be written by renaming a file onto it (an existing, "
      "writable directory; absent or a regular file: no device, FIFO, socket, directory or "
      "symbolic link).");
  m.def("fresh_temporary_path", &app::fresh_temporary_path, py::arg("path"),
        "A fresh temporary name beside `path` (.NAME.tmp.HOST.PID.N), after removing those that "
        "dead processes of this host left.");
  m.def("sweep", &sweep, py::arg("text"), py::arg("name"), py::arg("base_text") = py::none(),
        py::arg("threads") = py::none(), py::arg("shard") = py::none(),
        py::arg("sets") = std::vector<std::string>{}, py::arg("progress") = py::none(),
        "Read a sweep (YAML text; `name` stands for the file in messages; `base_text`: the base "
        "scenario when it is not a file; `sets`: PATH=VALUE edits of the sweep itself, as "
        "`magsim sweep --set`) and compute its runs, or those of shard (index, "
        "count): runs i with i % count == index, on `threads` C++ threads (None: all cores) "
        "with the GIL released. Returns a dict of per-run NumPy arrays, units and "
        "descriptions (see _core.pyi). `progress(done, total)` is called about every 100 ms "
        "while the runs go on.");
  m.def(
      "parameters",
      [] {
        std::vector<app::StoredParameter> rows;
        for (const auto& p : app::model().info().parameters)
          rows.push_back({p.name, p.value, p.value, p.unit, p.min, p.max, p.source, p.note});
        return parameter_rows(rows);
      },
      "Every model parameter as a list of dicts.");
  m.def(
      "outputs",
      [] {
        std::vector<std::tuple<std::string, std::string, std::string>> rows;
        for (const auto& o : app::model().info().outputs)
          rows.emplace_back(o.name, o.unit, o.description);
        return rows;
      },
      "Every model output as (name, unit, description), for figure labels.");
  m.def(
      "vocabulary",
      [] {
        const app::Vocabulary& v = app::vocabulary();
        py::list salts, drugs;
        for (const auto& f : v.salts)
          salts.append(py::dict(py::arg("name") = f.name, py::arg("formula") = f.formula,
                                py::arg("mg_mass_fraction") = f.mg_mass_fraction,
                                py::arg("oral") = f.oral, py::arg("iv") = f.iv,
                                py::arg("alias_of") = f.alias_of));
        for (const auto& d : v.drugs)
          drugs.append(py::dict(py::arg("name") = d.name, py::arg("drug_class") = d.drug_class,
                                py::arg("routes") = d.routes,
                                py::arg("chelates_with_mg") = d.chelates_with_mg));
        py::dict out;
        out["salt_forms"] = salts;
        out["drugs"] = drugs;
        out["conditions"] = v.conditions;
        out["sexes"] = v.sexes;
        return out;
      },
      "The names a scenario may use (the model's vocabulary): salt forms, drugs, conditions.");
  m.def("hardware_threads", [] { return std::max(1u, std::thread::hardware_concurrency()); });
}
