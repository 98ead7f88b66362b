/* The benchmark case of tools/benchmark_peers through a C ABI, for peers that are not magsim
 * (SUNDIALS CVODE in cvode_driver.cpp, SciPy through ctypes). Everything is the magsim model as
 * magsim integrates it: a scenario loaded by the app, the steady-state start of the engine, the
 * state scaled by each state's declared scale (z = x / scale, as engine/solve/simulator.cpp does),
 * and the schedule cut into segments: a peer integrates each segment [t, ms_next_break) with
 * route rates and signals constant, then calls ms_apply at the segment's end, which applies the
 * timeline's boluses (jumps of z), rate steps and signal steps there, as magsim's Integrator does.
 * Times in h; rates of z in 1/h. Not a public API of magsim: a benchmark harness. */
#ifndef MAGSIM_PEERS_SHIM_H
#define MAGSIM_PEERS_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ms_case ms_case;

/* Loads SCENARIO with `--set` edits (KEY=VALUE strings). NULL on failure, with the message in
 * err (at most errlen bytes). Cases with a history (history_start < 0) are refused. */
ms_case* ms_open(const char* scenario, const char* const* sets, int nsets, char* err, int errlen);
void ms_close(ms_case* c);

int ms_size(const ms_case* c);          /* number of states */
double ms_duration(const ms_case* c);   /* h */
double ms_atol(const ms_case* c);       /* the scenario's absolute tolerance on z */
double ms_max_step(const ms_case* c);   /* the scenario's maximum step, h */
/* The sample times of the run (engine::sample_times): writes min(count, max) values, returns count. */
int ms_sample_times(const ms_case* c, double* out, int max);

/* Restarts the timeline and writes the scaled state at t = 0, after the steady-state start and
 * the changes at t = 0. */
void ms_start(ms_case* c, double* z);
/* The end of the segment starting at the current time: the next change of the timeline, or the
 * run's end. */
double ms_next_break(const ms_case* c);
/* Applies every change at or before t (boluses to z, rate and signal steps to the case). */
void ms_apply(ms_case* c, double t, double* z);
/* A segment too short to integrate (span_h <= 1e-10 max(1, |end|)): what the routes deliver over
 * it goes into z at once, as magsim does. */
void ms_deliver(ms_case* c, double span_h, double* z);

/* dz/dt at (t, z) with the current route rates and signals. */
void ms_rhs(ms_case* c, double t, const double* z, double* dz);
/* d(dz/dt)/dz, row-major n x n. */
void ms_jacobian(ms_case* c, double t, const double* z, double* jac);
/* The model output `name` (e.g. "serum_mg_total") at (t, z); index from ms_output_index. */
int ms_output_index(const ms_case* c, const char* name);
double ms_output(ms_case* c, double t, const double* z, int k);

long ms_rhs_evaluations(const ms_case* c);
long ms_jacobian_evaluations(const ms_case* c);

/* magsim itself (engine::simulate, with the scenario's solver settings): writes output k at every
 * sample time into out (min(count, max) values), the wall time of simulate in *seconds; returns
 * the number of samples, or -1 on a SimulationError (message in err). */
int ms_run_magsim(ms_case* c, int k, double* out, int max, double* seconds, char* err, int errlen);

#ifdef __cplusplus
}
#endif
#endif
