/*
 * LD_PRELOAD for the Espruino interpreter's Linux build: its Storage (the file espruino.flash in
 * the working folder) read from memory, as a board reads its memory-mapped flash.
 *
 * Why: the Linux build emulates flash with a file and compiles in SPIFLASH_BASE, so code loaded
 * from Storage stays in "flash strings", and every 16 bytes of it read while the code runs are
 * fopen, fseek, fread and fclose of that file (targets/linux/jshardware.c, jshFlashRead): about
 * 4,500 opens a second with the SLIP firmware idle, and half of a CPU, most of it in system calls,
 * where a Pico or an ESP32 reads its flash like RAM.
 *
 * How: fopen(".../espruino.flash", "r+b") returns one of a few stream handles of this file's own
 * (the interpreter only passes its FILE pointers to fseek, ftell, fread, fwrite and fclose, which
 * are caught here too); reads copy out of a shared mapping of the file, writes go to the file
 * (pwrite), so the mapping and the file never disagree. Creating the file ("wb"), and every other
 * file and stream, go to the C library unchanged. What the interpreter reads and writes is the
 * same; only the cost of a read differs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define STREAMS 4

static const char flash_name[] = "espruino.flash";

/*
 * One descriptor and one mapping per process, made at the first open and remade when the file
 * has grown. Only this process writes the file while it runs, so its length is tracked here.
 */
static int flash_fd = -1;
static unsigned char *flash_map = NULL;
static size_t flash_mapped = 0;
static size_t flash_length = 0;

struct flash_stream {
  int open;
  size_t position;
};

static struct flash_stream streams[STREAMS];

static void *real(const char *name) {
  return dlsym(RTLD_NEXT, name);
}

static struct flash_stream *flash_stream(FILE *file) {
  struct flash_stream *stream = (struct flash_stream *)(void *)file;
  return stream >= streams && stream < streams + STREAMS ? stream : NULL;
}

static int flash_remap(void) {
  if (flash_mapped == flash_length && (flash_map || flash_length == 0)) return 1;
  if (flash_map) munmap(flash_map, flash_mapped);
  flash_map = NULL;
  flash_mapped = 0;
  if (flash_length == 0) return 1;
  void *map = mmap(NULL, flash_length, PROT_READ, MAP_SHARED, flash_fd, 0);
  if (map == MAP_FAILED) return 0;
  flash_map = map;
  flash_mapped = flash_length;
  return 1;
}

static void flash_forget(void) {
  if (flash_map) munmap(flash_map, flash_mapped);
  if (flash_fd >= 0) close(flash_fd);
  flash_fd = -1;
  flash_map = NULL;
  flash_mapped = 0;
  flash_length = 0;
}

FILE *fopen(const char *path, const char *mode) {
  FILE *(*real_fopen)(const char *, const char *) = real("fopen");
  if (strcmp(path, flash_name) != 0) return real_fopen(path, mode);
  if (strcmp(mode, "r+b") != 0) {
    flash_forget();
    return real_fopen(path, mode);
  }
  if (flash_fd < 0) {
    flash_fd = open(path, O_RDWR | O_CLOEXEC);
    if (flash_fd < 0) return NULL;
    struct stat status;
    flash_length = fstat(flash_fd, &status) == 0 ? (size_t)status.st_size : 0;
  }
  for (int i = 0; i < STREAMS; i++) {
    if (!streams[i].open) {
      streams[i].open = 1;
      streams[i].position = 0;
      return (FILE *)(void *)&streams[i];
    }
  }
  errno = EMFILE;
  return NULL;
}

size_t fread(void *buffer, size_t size, size_t count, FILE *file) {
  struct flash_stream *stream = flash_stream(file);
  if (!stream) return ((size_t (*)(void *, size_t, size_t, FILE *))real("fread"))(buffer, size, count, file);
  if (size == 0 || !flash_remap()) return 0;
  size_t available = stream->position < flash_mapped ? flash_mapped - stream->position : 0;
  size_t items = available / size < count ? available / size : count;
  memcpy(buffer, flash_map + stream->position, items * size);
  stream->position += items * size;
  return items;
}

size_t fwrite(const void *buffer, size_t size, size_t count, FILE *file) {
  struct flash_stream *stream = flash_stream(file);
  if (!stream) return ((size_t (*)(const void *, size_t, size_t, FILE *))real("fwrite"))(buffer, size, count, file);
  ssize_t written = pwrite(flash_fd, buffer, size * count, (off_t)stream->position);
  if (written <= 0) return 0;
  stream->position += (size_t)written;
  if (stream->position > flash_length) flash_length = stream->position;
  return (size_t)written / (size ? size : 1);
}

int fseek(FILE *file, long offset, int whence) {
  struct flash_stream *stream = flash_stream(file);
  if (!stream) return ((int (*)(FILE *, long, int))real("fseek"))(file, offset, whence);
  long base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (long)stream->position : (long)flash_length;
  if (base + offset < 0) {
    errno = EINVAL;
    return -1;
  }
  stream->position = (size_t)(base + offset);
  return 0;
}

long ftell(FILE *file) {
  struct flash_stream *stream = flash_stream(file);
  if (!stream) return ((long (*)(FILE *))real("ftell"))(file);
  return (long)stream->position;
}

int fclose(FILE *file) {
  struct flash_stream *stream = flash_stream(file);
  if (!stream) return ((int (*)(FILE *))real("fclose"))(file);
  stream->open = 0;
  return 0;
}
