/* A full disk without a small filesystem: an LD_PRELOAD shim for the fault suite
 * (tools/test_faults), compiled at test time with `cc -shared -fPIC -o enospc_shim.so
 * enospc_shim.c -ldl`.
 *
 * MAGSIM_FAULT_ENOSPC_AFTER is how many bytes the disk under MAGSIM_FAULT_DIR may still grow by
 * (a decimal count, per process). A write(2)-family call on a regular file there uses up the
 * bytes it adds past the file's end; once they are used up, such a call writes what still fits
 * (a short write, as a real disk does) and the next one fails with ENOSPC. Rewriting bytes a
 * file already has always succeeds, as on a real disk (holes inside a file are taken as
 * allocated: a simplification). posix_fallocate/fallocate take from the same budget, and
 * cutting a file shorter (ftruncate) gives its bytes back, as freeing blocks does.
 * statvfs is left alone, so the program's own "is there room?" checks pass and the failure
 * comes from the write itself, as when another writer fills the disk in between.
 * Files elsewhere (stdout, pipes, /tmp) are never touched. With MAGSIM_FAULT_REPORT=FILE the
 * process writes to FILE, when it exits normally, the most the files under the directory had
 * grown by at any time: the smallest budget the command succeeds with (the suite measures a
 * command with it, to choose budgets that fail). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* fault_dir(void) {
  static const char* dir = NULL;
  static int init = 0;
  if (!init) {
    dir = getenv("MAGSIM_FAULT_DIR");
    init = 1;
  }
  return dir;
}

static long long budget(void) {
  const char* s = getenv("MAGSIM_FAULT_ENOSPC_AFTER");
  return s ? atoll(s) : LLONG_MAX;
}

static _Atomic long long written = 0; /* net bytes the files grew by */
static _Atomic long long peak = 0;    /* the most `written` has been */

/* True if fd is a regular file whose path lies under MAGSIM_FAULT_DIR; its size in *size. */
static int watched(int fd, off_t* size) {
  const char* dir = fault_dir();
  if (!dir || !*dir) return 0;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  const size_t len = strlen(dir);
  *size = st.st_size;
  return strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

/* Takes up to `want` bytes from the budget; returns how many it got. */
static long long take(long long want) {
  const long long limit = budget();
  long long before = atomic_load(&written);
  for (;;) {
    if (before >= limit || want <= 0) return 0;
    const long long got = want < limit - before ? want : limit - before;
    if (atomic_compare_exchange_weak(&written, &before, before + got)) {
      long long p = atomic_load(&peak);
      while (before + got > p && !atomic_compare_exchange_weak(&peak, &p, before + got)) {
      }
      return got;
    }
  }
}

/* How many of `count` bytes at `offset` (-1: the descriptor's position) may be written now;
 * -1 with errno = ENOSPC when none. */
static ssize_t allowance(int fd, size_t count, off_t offset) {
  off_t size = 0;
  if (count == 0 || !watched(fd, &size)) return (ssize_t)count;
  if (offset < 0) {
    const int flags = fcntl(fd, F_GETFL);
    offset = (flags >= 0 && (flags & O_APPEND)) ? size : lseek(fd, 0, SEEK_CUR);
    if (offset < 0) return (ssize_t)count;
  }
  const long long end = (long long)offset + (long long)count;
  const long long grows = end > (long long)size ? end - (offset > size ? offset : size) : 0;
  if (grows == 0) return (ssize_t)count;
  const long long got = take(grows);
  if (got == grows) return (ssize_t)count;
  const long long fits = (long long)count - (grows - got);
  if (fits <= 0) {
    errno = ENOSPC;
    return -1;
  }
  return (ssize_t)fits;
}

#define REAL(name, ret, ...)                                    \
  static ret (*real_##name)(__VA_ARGS__) = NULL;                \
  if (!real_##name) real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void* buf, size_t count) {
  REAL(write, ssize_t, int, const void*, size_t);
  const ssize_t ok = allowance(fd, count, -1);
  if (ok < 0) return -1;
  return real_write(fd, buf, (size_t)ok);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  REAL(pwrite, ssize_t, int, const void*, size_t, off_t);
  const ssize_t ok = allowance(fd, count, offset);
  if (ok < 0) return -1;
  return real_pwrite(fd, buf, (size_t)ok, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  REAL(pwrite64, ssize_t, int, const void*, size_t, off64_t);
  const ssize_t ok = allowance(fd, count, (off_t)offset);
  if (ok < 0) return -1;
  return real_pwrite64(fd, buf, (size_t)ok, offset);
}

static size_t iov_total(const struct iovec* iov, int n) {
  size_t t = 0;
  for (int i = 0; i < n; ++i) t += iov[i].iov_len;
  return t;
}

/* Vectored writes: all or nothing (a short vectored write is rare enough not to matter here). */
ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  REAL(writev, ssize_t, int, const struct iovec*, int);
  const size_t total = iov_total(iov, iovcnt);
  const ssize_t ok = allowance(fd, total, -1);
  if (ok < 0) return -1;
  if ((size_t)ok < total) {
    errno = ENOSPC;
    return -1;
  }
  return real_writev(fd, iov, iovcnt);
}

ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
  REAL(pwritev, ssize_t, int, const struct iovec*, int, off_t);
  const size_t total = iov_total(iov, iovcnt);
  const ssize_t ok = allowance(fd, total, offset);
  if (ok < 0) return -1;
  if ((size_t)ok < total) {
    errno = ENOSPC;
    return -1;
  }
  return real_pwritev(fd, iov, iovcnt, offset);
}

static int fallocate_allowed(int fd, off_t offset, off_t len) {
  off_t size = 0;
  if (!watched(fd, &size)) return 1;
  const long long end = (long long)offset + (long long)len;
  const long long grows = end > (long long)size ? end - (offset > size ? offset : size) : 0;
  if (grows <= 0) return 1;
  if (atomic_load(&written) + grows > budget()) return 0;
  return take(grows) == grows;
}

int posix_fallocate(int fd, off_t offset, off_t len) {
  REAL(posix_fallocate, int, int, off_t, off_t);
  if (!fallocate_allowed(fd, offset, len)) return ENOSPC;
  return real_posix_fallocate(fd, offset, len);
}

int fallocate(int fd, int mode, off_t offset, off_t len) {
  REAL(fallocate, int, int, int, off_t, off_t);
  if (!fallocate_allowed(fd, offset, len)) {
    errno = ENOSPC;
    return -1;
  }
  return real_fallocate(fd, mode, offset, len);
}

static void give_back(int fd, off_t length) {
  off_t size = 0;
  if (watched(fd, &size) && length < size) atomic_fetch_sub(&written, (long long)(size - length));
}

int ftruncate(int fd, off_t length) {
  REAL(ftruncate, int, int, off_t);
  give_back(fd, length); /* growing leaves a hole: nothing allocated */
  return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length) {
  REAL(ftruncate64, int, int, off64_t);
  give_back(fd, (off_t)length);
  return real_ftruncate64(fd, length);
}

__attribute__((destructor)) static void report(void) {
  const char* file = getenv("MAGSIM_FAULT_REPORT");
  if (!file || !*file) return;
  FILE* f = fopen(file, "w");
  if (!f) return;
  fprintf(f, "%lld\n", (long long)atomic_load(&peak));
  fclose(f);
}
