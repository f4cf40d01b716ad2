/*
 * lwIP (Debian's liblwip-dev 2.1.3, as it is packaged) on the same relay path as our stack, for
 * group 4 of `npm run bench`: one Ethernet frame per UDP datagram on the loopback, exactly the
 * framing the TAP bridge's socat relay uses, so the frames lwIP sees and sends take the same hops
 * as ours. It serves the benchmark's endpoints at the device's address:
 *   7   echo      what arrives goes back
 *   9   discard   reads everything; closes when the peer has closed
 *   19  source    sends SOURCE_BYTES bytes, then closes
 *   13  daytime   answers "ok\n" and closes at once (the connection-rate endpoint)
 *   80  HTTP/1.0  GET /bytes/N answers N bytes; anything else a short page; then closes
 *
 * Usage: lwip-harness LISTEN_PORT RELAY_PORT IP PREFIX MAC SOURCE_BYTES
 * (UDP ports on 127.0.0.1: frames arrive on LISTEN_PORT, leave to RELAY_PORT.)
 *
 * The packaged library runs lwIP's timers in its tcpip thread; this main thread takes the core
 * lock (LWIP_TCPIP_CORE_LOCKING is on in the package) for every frame it feeds in, so all of
 * lwIP runs under one lock as the port intends. Prints "ready" once the interface is up.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

static int udp_fd;
static struct sockaddr_in relay;
static unsigned char mac[6];
static unsigned long source_bytes;
static unsigned char frame_out[2048];
static unsigned char frame_in[2048];
/* Never changes, so tcp_write may point into it without copying. */
static unsigned char zeros[65536];

static err_t udp_linkoutput(struct netif *netif, struct pbuf *p) {
  (void)netif;
  u16_t length = pbuf_copy_partial(p, frame_out, sizeof(frame_out), 0);
  sendto(udp_fd, frame_out, length, 0, (struct sockaddr *)&relay, sizeof(relay));
  return ERR_OK;
}

static err_t udp_netif_init(struct netif *netif) {
  netif->name[0] = 'u';
  netif->name[1] = 'd';
  netif->mtu = 1500;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, mac, 6);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  netif->output = etharp_output;
  netif->linkoutput = udp_linkoutput;
  return ERR_OK;
}

/* ------------------------------------------------------------------ streaming out */

struct stream {
  unsigned long left;
  int close_when_done;
};

static void stream_more(struct tcp_pcb *pcb, struct stream *s) {
  while (s->left > 0) {
    u16_t room = tcp_sndbuf(pcb);
    if (room == 0) break;
    unsigned long n = s->left < room ? s->left : room;
    if (n > sizeof(zeros)) n = sizeof(zeros);
    if (tcp_write(pcb, zeros, (u16_t)n, s->left > n ? TCP_WRITE_FLAG_MORE : 0) != ERR_OK) break;
    s->left -= n;
  }
  tcp_output(pcb);
  if (s->left == 0 && s->close_when_done) {
    s->close_when_done = 0;
    tcp_arg(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_close(pcb);
    free(s);
  }
}

static err_t stream_sent(void *arg, struct tcp_pcb *pcb, u16_t len) {
  (void)len;
  if (arg) stream_more(pcb, (struct stream *)arg);
  return ERR_OK;
}

static void stream_start(struct tcp_pcb *pcb, unsigned long bytes) {
  struct stream *s = malloc(sizeof(struct stream));
  s->left = bytes;
  s->close_when_done = 1;
  tcp_arg(pcb, s);
  tcp_sent(pcb, stream_sent);
  stream_more(pcb, s);
}

static void stream_error(void *arg, err_t err) {
  (void)err;
  free(arg);
}

/* ------------------------------------------------------------------ servers */

/* The peer's FIN (p == NULL): close our side too. Returns 1 when it was that. */
static int closed_by_peer(struct tcp_pcb *pcb, struct pbuf *p) {
  if (p != NULL) return 0;
  tcp_recv(pcb, NULL);
  tcp_close(pcb);
  return 1;
}

static err_t discard_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg;
  (void)err;
  if (closed_by_peer(pcb, p)) return ERR_OK;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg;
  (void)err;
  if (closed_by_peer(pcb, p)) return ERR_OK;
  if (tcp_sndbuf(pcb) < p->tot_len) return ERR_MEM; /* lwIP offers it again later */
  for (struct pbuf *q = p; q != NULL; q = q->next) tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
  tcp_output(pcb);
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t http_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg;
  (void)err;
  if (closed_by_peer(pcb, p)) return ERR_OK;
  char request[256];
  u16_t n = pbuf_copy_partial(p, request, sizeof(request) - 1, 0);
  request[n] = 0;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  tcp_recv(pcb, NULL);
  unsigned long bytes = 0;
  char header[128];
  if (sscanf(request, "GET /bytes/%lu", &bytes) == 1) {
    snprintf(header, sizeof(header), "HTTP/1.0 200 OK\r\nContent-Length: %lu\r\n\r\n", bytes);
  } else {
    static const char page[] = "lwIP bench harness\n";
    snprintf(header, sizeof(header), "HTTP/1.0 200 OK\r\nContent-Length: %u\r\n\r\n%s", (unsigned)strlen(page), page);
  }
  tcp_write(pcb, header, (u16_t)strlen(header), TCP_WRITE_FLAG_COPY);
  tcp_err(pcb, stream_error);
  stream_start(pcb, bytes);
  return ERR_OK;
}

static err_t accept_connection(void *arg, struct tcp_pcb *pcb, err_t err) {
  if (err != ERR_OK || pcb == NULL) return ERR_VAL;
  int port = (int)(long)arg;
  tcp_arg(pcb, NULL);
  if (port == 9) {
    tcp_recv(pcb, discard_recv);
  } else if (port == 7) {
    tcp_recv(pcb, echo_recv);
  } else if (port == 80) {
    tcp_recv(pcb, http_recv);
  } else if (port == 19) {
    tcp_recv(pcb, discard_recv);
    tcp_err(pcb, stream_error);
    stream_start(pcb, source_bytes);
  } else {
    tcp_write(pcb, "ok\n", 3, 0);
    tcp_close(pcb);
  }
  return ERR_OK;
}

static void listen_on(int port) {
  struct tcp_pcb *pcb = tcp_new();
  tcp_bind(pcb, IP_ADDR_ANY, (u16_t)port);
  pcb = tcp_listen_with_backlog(pcb, 16);
  tcp_arg(pcb, (void *)(long)port);
  tcp_accept(pcb, accept_connection);
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s LISTEN_PORT RELAY_PORT IP PREFIX MAC SOURCE_BYTES\n", argv[0]);
    return 2;
  }
  int listen_port = atoi(argv[1]);
  int prefix = atoi(argv[4]);
  if (sscanf(argv[5], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) return 2;
  source_bytes = strtoul(argv[6], NULL, 10);

  udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
  int buffer = 8 * 1024 * 1024;
  setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof(buffer));
  setsockopt(udp_fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer, sizeof(buffer));
  struct sockaddr_in local;
  memset(&local, 0, sizeof(local));
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  local.sin_port = htons((unsigned short)listen_port);
  if (bind(udp_fd, (struct sockaddr *)&local, sizeof(local)) != 0) {
    perror("bind");
    return 1;
  }
  memset(&relay, 0, sizeof(relay));
  relay.sin_family = AF_INET;
  relay.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  relay.sin_port = htons((unsigned short)atoi(argv[2]));

  tcpip_init(NULL, NULL);
  static struct netif netif;
  ip4_addr_t address, netmask, gateway;
  ip4addr_aton(argv[3], &address);
  ip4_addr_set_u32(&netmask, prefix == 0 ? 0 : lwip_htonl(0xffffffffUL << (32 - prefix)));
  ip4_addr_set_zero(&gateway);
  LOCK_TCPIP_CORE();
  netif_add(&netif, &address, &netmask, &gateway, NULL, udp_netif_init, ethernet_input);
  netif_set_default(&netif);
  netif_set_up(&netif);
  netif_set_link_up(&netif);
  listen_on(7);
  listen_on(9);
  listen_on(13);
  listen_on(19);
  listen_on(80);
  UNLOCK_TCPIP_CORE();
  printf("ready\n");
  fflush(stdout);

  for (;;) {
    ssize_t n = recv(udp_fd, frame_in, sizeof(frame_in), 0);
    if (n <= 0) continue;
    /* One contiguous pbuf: with the package's pool pbufs, frames over ~1,000 bytes were dropped. */
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
    if (p == NULL) continue;
    pbuf_take(p, frame_in, (u16_t)n);
    LOCK_TCPIP_CORE();
    if (netif.input(p, &netif) != ERR_OK) pbuf_free(p);
    UNLOCK_TCPIP_CORE();
  }
}
