/*
 * A pseudo-terminal whose host side is this process's stdin and stdout, with flow control
 * towards the program that opens the pty's path (sim/uart/pty-uart.ts, PtyLine): bytes from
 * stdin are written to the pty at most STEP at a time, and the next STEP only once the reader
 * has taken everything written before, as a UART with RTS/CTS hands its receiver one FIFO's
 * worth at a time. Bytes the reader writes to the pty go to stdout unchanged and at once.
 *
 * Why: the Espruino interpreter's Linux build reads a serial device up to 32 bytes at a time in
 * an input thread, and its main loop turns the queued reads into one string per pass
 * (jsiHandleIOEventForSerial, src/jsinteractive.c, 2v29). When the first read of a pass is
 * longer than JSV_FLAT_STRING_BREAK_EVEN (25 bytes on the Pico-, F4- and WiFi-sized builds, 27
 * on the ESP32-sized one) that string is a flat string, and the bytes of the reads after it are
 * appended to it and silently dropped (jsvStringIteratorAppend cannot extend a flat string).
 * With at most STEP (24) bytes waiting at any read, no read is that long.
 *
 * How the reads are seen: inotify reports every read of the pty's device node (IN_ACCESS); a
 * step is done when a read has happened and the pty's input queue (TIOCINQ) is empty.
 *
 * With FILL (a byte value), that byte is written whenever nothing else is waiting, one at a time:
 * the same input thread sleeps 50 ms after a pass in which it read and wrote nothing, which
 * delays every byte in either direction by up to 50 ms after a quiet moment (and the
 * interpreter's Serial.write busy-waits while its 256-byte transmit buffer is full), where a
 * board's UART has no such delay. A SLIP END (0xC0) is a valid fill: back-to-back ENDs are empty
 * frames, which a SLIP receiver ignores.
 *
 * Usage: pty-flow STEP [FILL]. Prints "PTY /dev/pts/N" on stderr once the pty is ready; exits at the end
 * of stdin or on SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/*
 * What this process holds for the reader, and the size of its stdin pipe: small, so that a
 * backlog shows where it is written (PtyLine.backlog) and the writer can drop, as a serial
 * line's transmit queue does when it is full.
 */
#define PENDING_MAX 4096

static unsigned char pending[PENDING_MAX];

static int write_all(int fd, const unsigned char *data, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, data, length);
    if (written < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return -1;
    }
    data += written;
    length -= (size_t)written;
  }
  return 0;
}

int main(int argc, char **argv) {
  size_t step = argc > 1 ? (size_t)atoi(argv[1]) : 0;
  int fill = argc > 2 ? atoi(argv[2]) : -1;
  unsigned char fill_byte = (unsigned char)fill;
  if (step == 0 || step > 4096) {
    fprintf(stderr, "usage: pty-flow STEP (1..4096) [FILL (0..255)]\n");
    return 2;
  }
  int master, slave;
  char name[256];
  if (openpty(&master, &slave, name, NULL, NULL) < 0) {
    perror("openpty");
    return 1;
  }
  struct termios raw;
  tcgetattr(slave, &raw);
  cfmakeraw(&raw);
  tcsetattr(slave, TCSANOW, &raw);
  int reads = inotify_init1(IN_NONBLOCK);
  if (reads < 0 || inotify_add_watch(reads, name, IN_ACCESS) < 0) {
    perror("inotify");
    return 1;
  }
  fcntl(STDIN_FILENO, F_SETPIPE_SZ, PENDING_MAX);
  /* The slave stays open here: for TIOCINQ, and so the pty is not hung up while its reader reopens it. */
  fprintf(stderr, "PTY %s\n", name);
  fflush(stderr);
  size_t head = 0, count = 0;
  /* A step is on its way to the reader until a read has been seen and the input queue is empty. */
  int in_flight = 0;
  int input_open = 1;
  unsigned char buffer[4096];
  for (;;) {
    if (!input_open && count == 0) break;
    struct pollfd fds[3] = {
      { master, POLLIN, 0 },
      { reads, POLLIN, 0 },
      { input_open && count < PENDING_MAX ? STDIN_FILENO : -1, POLLIN, 0 },
    };
    if (poll(fds, 3, -1) < 0 && errno != EINTR) {
      perror("poll");
      return 1;
    }
    if (fds[0].revents & POLLIN) {
      ssize_t got = read(master, buffer, sizeof buffer);
      if (got > 0 && write_all(STDOUT_FILENO, buffer, (size_t)got) < 0) return 0;
    }
    if (fds[1].revents & POLLIN) {
      while (read(reads, buffer, sizeof buffer) > 0) {}
      int waiting = 0;
      if (ioctl(slave, TIOCINQ, &waiting) == 0 && waiting == 0) in_flight = 0;
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      size_t tail = (head + count) % PENDING_MAX;
      size_t room = PENDING_MAX - count;
      if (room > PENDING_MAX - tail) room = PENDING_MAX - tail;
      ssize_t got = read(STDIN_FILENO, pending + tail, room);
      if (got > 0) count += (size_t)got;
      else if (got == 0) input_open = 0;
    }
    if (count > 0 && !in_flight) {
      size_t length = count < step ? count : step;
      if (length > PENDING_MAX - head) length = PENDING_MAX - head;
      if (write_all(master, pending + head, length) < 0) return 1;
      head = (head + length) % PENDING_MAX;
      count -= length;
      in_flight = 1;
    } else if (fill >= 0 && count == 0 && !in_flight && input_open) {
      if (write_all(master, &fill_byte, 1) < 0) return 1;
      in_flight = 1;
    }
  }
  return 0;
}
