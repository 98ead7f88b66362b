# `mpirun -n 2 magsim sweep`: the `magsim` executable, which does not link MPI, hands over to
# `magsim-mpi` (app/mpi/mpi_executable.cpp), and the sweep runs on 2 ranks. Arguments:
# -DMPIEXEC=... -DNPFLAG=... -DMAGSIM=... -DSWEEP=... -DOUT=... -DPYTHON=...
execute_process(COMMAND ldd ${MAGSIM} OUTPUT_VARIABLE libs RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ldd ${MAGSIM} failed")
endif()
if(libs MATCHES "libmpi")
  message(FATAL_ERROR "magsim loads MPI:\n${libs}")
endif()
file(REMOVE ${OUT})
execute_process(COMMAND ${MPIEXEC} ${NPFLAG} 2 ${MAGSIM} sweep ${SWEEP} -o ${OUT} -q
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mpirun -n 2 magsim sweep exited with ${rc}")
endif()
execute_process(COMMAND ${PYTHON} -c
  "import h5py, sys; e = h5py.File(sys.argv[1])['/'].attrs['execution']; e = e.decode() if isinstance(e, bytes) else e; print(e); sys.exit(0 if e.startswith('2 MPI ranks') else 1)"
  ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the sweep file does not say it ran on 2 MPI ranks")
endif()
file(REMOVE ${OUT})
