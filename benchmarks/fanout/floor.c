/* The floor: the least a WebSocket server can spend sending a tick to every client, in C.
 *
 *     gcc -O2 -o /tmp/floor benchmarks/fanout/floor.c && /tmp/floor --interval 0.1
 *
 * One thread, epoll, no allocations on the hot path: the tick is built once with snprintf and framed once, then
 * one send(MSG_DONTWAIT | MSG_NOSIGNAL) per client, exactly what our C send loop does. It speaks just enough of
 * the protocol for benchmarks/fanout/run.py: the handshake (SHA-1 + base64 for Sec-WebSocket-Accept), a `state`
 * on connecting, ticks on the grid (tick k at start + k x interval), and a new `state` to everyone whenever a
 * client sends anything (the control probe; one read is taken as one message). A client that cannot take a whole
 * frame is closed: the floor keeps no queues. Prints the same "serving ... (WebSocket ws://...)" line as ours.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 65536
#define REQUEST_BYTES 2048

typedef struct {
    int open;       /* 1 once the handshake is done */
    int used;       /* bytes of the request read so far */
    char *request;  /* the handshake request, freed once answered */
} Conn;

static Conn conns[MAX_FDS];
static int clients[MAX_FDS];
static int client_count;

/* SHA-1 (FIPS 180-1), enough for one Sec-WebSocket-Accept. */
static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1(const unsigned char *data, size_t len, unsigned char out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    size_t total = ((len + 8) / 64 + 1) * 64;
    unsigned char *msg = calloc(total, 1);
    memcpy(msg, data, len);
    msg[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) msg[total - 1 - i] = (unsigned char)(bits >> (8 * i));
    for (size_t off = 0; off < total; off += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)msg[off + 4 * i] << 24 | (uint32_t)msg[off + 4 * i + 1] << 16 |
                   (uint32_t)msg[off + 4 * i + 2] << 8 | msg[off + 4 * i + 3];
        for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
            else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
            else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6; }
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d; d = c; c = rol(b, 30); b = a; a = t;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
    }
    free(msg);
    for (int i = 0; i < 20; i++) out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

static void base64(const unsigned char *in, int len, char *out)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int o = 0;
    for (int i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < len ? in[i + 2] : 0);
        out[o++] = table[(v >> 18) & 63];
        out[o++] = table[(v >> 12) & 63];
        out[o++] = i + 1 < len ? table[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? table[v & 63] : '=';
    }
    out[o] = 0;
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long long now_wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* One unmasked text frame of `text` into `out` (which has room for 10 more bytes); returns its length. */
static size_t frame(const char *text, size_t len, unsigned char *out)
{
    size_t head = 2;
    out[0] = 0x81;
    if (len < 126) {
        out[1] = (unsigned char)len;
    } else {
        out[1] = 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        head = 4;
    }
    memcpy(out + head, text, len);
    return head + len;
}

static void drop(int epfd, int fd)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    if (conns[fd].open) {
        for (int i = 0; i < client_count; i++) {
            if (clients[i] == fd) { clients[i] = clients[--client_count]; break; }
        }
    }
    free(conns[fd].request);
    memset(&conns[fd], 0, sizeof conns[fd]);
    close(fd);
}

static void send_all(int epfd, const unsigned char *buf, size_t len)
{
    for (int i = 0; i < client_count; i++) {
        ssize_t sent = send(clients[i], buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent != (ssize_t)len) {
            drop(epfd, clients[i--]);  /* the last client moved into slot i: look at it next */
        }
    }
}

static size_t state_frame(unsigned char *out, double started, double interval, int version, long long started_ms)
{
    char text[512];
    int n = snprintf(text, sizeof text,
                     "{\"type\":\"state\",\"protocol\":1,\"timer\":{\"name\":\"default\",\"mode\":\"stopwatch\","
                     "\"status\":\"running\",\"duration_ms\":null,\"elapsed_ms\":%lld,\"remaining_ms\":null,"
                     "\"interval_ms\":%lld,\"initial_ms\":0,\"version\":%d,\"started_at\":%lld},\"server_time\":%lld}",
                     (long long)((now_mono() - started) * 1000), (long long)(interval * 1000), version, started_ms,
                     now_wall_ms());
    return frame(text, (size_t)n, out);
}

static void answer_handshake(int epfd, int fd, const unsigned char *state, size_t state_len)
{
    Conn *c = &conns[fd];
    char *key = strcasestr(c->request, "Sec-WebSocket-Key:");
    if (key == NULL) { drop(epfd, fd); return; }
    key += 18;
    while (*key == ' ') key++;
    char joined[128];
    int k = 0;
    while (key[k] && key[k] != '\r' && k < 60) { joined[k] = key[k]; k++; }
    memcpy(joined + k, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    unsigned char digest[20];
    char accept[32], response[256];
    sha1((unsigned char *)joined, (size_t)k + 36, digest);
    base64(digest, 20, accept);
    int n = snprintf(response, sizeof response, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    if (send(fd, response, (size_t)n, MSG_NOSIGNAL) != n || send(fd, state, state_len, MSG_NOSIGNAL) != (ssize_t)state_len) {
        drop(epfd, fd);
        return;
    }
    free(c->request);
    c->request = NULL;
    c->open = 1;
    clients[client_count++] = fd;
}

int main(int argc, char **argv)
{
    double interval = 1.0;
    int port = 0, sndbuf = 0;  /* --sndbuf 65536: the send buffer our server sets (SO_SNDBUF) */
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--interval") == 0) interval = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--sndbuf") == 0) sndbuf = atoi(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    socklen_t alen = sizeof addr;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) { perror("listen"); return 1; }
    getsockname(lfd, (struct sockaddr *)&addr, &alen);
    printf("floor: serving http://127.0.0.1:%d/ (WebSocket ws://127.0.0.1:%d/ws)\n", ntohs(addr.sin_port),
           ntohs(addr.sin_port));
    fflush(stdout);

    int epfd = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
    double started = now_mono();
    long long started_ms = now_wall_ms();
    long long seq = 1;
    int version = 1;
    unsigned char state[600], tick[300];
    struct epoll_event events[256];
    for (;;) {
        double wait = started + seq * interval - now_mono();
        int ready = epoll_wait(epfd, events, 256, wait > 0 ? (int)(wait * 1000) + 1 : 0);
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int cfd;
                while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (cfd >= MAX_FDS) { close(cfd); continue; }
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if (sndbuf > 0) setsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
                    conns[cfd].request = malloc(REQUEST_BYTES);
                    struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &cev);
                }
                continue;
            }
            Conn *c = &conns[fd];
            char buf[REQUEST_BYTES];
            ssize_t got = recv(fd, c->open ? buf : c->request + c->used,
                               c->open ? sizeof buf : (size_t)(REQUEST_BYTES - 1 - c->used), 0);
            if (got <= 0) {
                if (got == 0 || (errno != EAGAIN && errno != EINTR)) drop(epfd, fd);
                continue;
            }
            if (c->open) {  /* a command: everyone gets the new state */
                version++;
                send_all(epfd, state, state_frame(state, started, interval, version, started_ms));
                continue;
            }
            c->used += (int)got;
            c->request[c->used] = 0;
            if (strstr(c->request, "\r\n\r\n") != NULL) {
                answer_handshake(epfd, fd, state, state_frame(state, started, interval, version, started_ms));
            } else if (c->used >= REQUEST_BYTES - 1) {
                drop(epfd, fd);
            }
        }
        double now = now_mono();
        if (now >= started + seq * interval) {
            long long due = (long long)((now - started) / interval);
            seq = due > seq ? due : seq;
            char text[256];
            int n = snprintf(text, sizeof text,
                             "{\"type\":\"tick\",\"timer\":\"default\",\"seq\":%lld,\"elapsed_ms\":%lld,"
                             "\"remaining_ms\":null,\"status\":\"running\",\"server_time\":%lld}",
                             seq, (long long)((now - started) * 1000), now_wall_ms());
            send_all(epfd, tick, frame(text, (size_t)n, tick));
            seq++;
        }
    }
}
