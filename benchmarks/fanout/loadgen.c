/* A load generator in C, for crowds the Python one (loadgen.py) cannot keep up with (10,000 clients at 10 Hz is
 * 100,000 messages a second; Python spends about 10 us on each, this about 1).
 *
 *     gcc -O2 -o /tmp/loadgen benchmarks/fanout/loadgen.c
 *     /tmp/loadgen --port P --clients N [--path /ws] [--in-flight 100]
 *
 * It opens N WebSocket clients (at most --in-flight handshakes at once), prints "connected N failed F seconds S",
 * then obeys lines on stdin: "window MS" measures the ticks whose server_time falls in the next MS milliseconds
 * (delay = receive time - server_time; missed = grid points of the window a client did not get, from seq), and
 * "report" prints one JSON line: the window's figures, the times every `state` since the window began arrived
 * (by version, for the control probe), and this process's CPU seconds. EOF or "quit" ends it. Pings are answered, as a browser does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BUF 8192
#define MAX_STATES 2000000

typedef struct {
    int fd, open, failed, used;
    long long in_window;
    unsigned char buf[BUF];
} Client;

static Client *clients;
static int count, port, in_flight = 100, connected, failed, pending;
static const char *path = "/ws";
static double window_start = -1, window_end = -1;
static double *delays;
static long long delay_count, delay_cap, seq_low = -1, seq_high = -1;
static long long state_version[MAX_STATES];
static double state_at[MAX_STATES];
static int state_count;

static double wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static long long number_after(const unsigned char *p, size_t len, const char *key)
{
    const unsigned char *at = memmem(p, len, key, strlen(key));
    if (at == NULL) return -1;
    at += strlen(key);
    long long v = 0;
    while (at < p + len && *at >= '0' && *at <= '9') v = v * 10 + (*at++ - '0');
    return v;
}

static void on_text(Client *c, const unsigned char *p, size_t len, double now)
{
    (void)c;
    if (len > 14 && memcmp(p, "{\"type\":\"tick\"", 14) == 0) {
        double server_time = (double)number_after(p, len, "\"server_time\":");
        if (window_start < 0 || server_time < window_start || server_time > window_end) return;
        c->in_window++;
        if (delay_count == delay_cap) {
            delay_cap = delay_cap ? 2 * delay_cap : 1 << 20;
            delays = realloc(delays, sizeof(double) * (size_t)delay_cap);
        }
        delays[delay_count++] = now - server_time;
        long long seq = number_after(p, len, "\"seq\":");
        if (seq_low < 0 || seq < seq_low) seq_low = seq;
        if (seq > seq_high) seq_high = seq;
    } else if (len > 15 && memcmp(p, "{\"type\":\"state\"", 15) == 0 && state_count < MAX_STATES) {
        state_version[state_count] = number_after(p, len, "\"version\":");
        state_at[state_count++] = now;
    }
}

static void send_masked(int fd, int opcode, const unsigned char *payload, size_t len)
{
    unsigned char frame[256];
    if (len > 125) return;
    frame[0] = (unsigned char)(0x80 | opcode);
    frame[1] = (unsigned char)(0x80 | len);
    memset(frame + 2, 0, 4);  /* a zero mask: valid, and the payload stays as it is */
    memcpy(frame + 6, payload, len);
    (void)!send(fd, frame, 6 + len, MSG_NOSIGNAL);
}

static void parse_frames(Client *c, double now)
{
    int off = 0;
    while (c->used - off >= 2) {
        unsigned char *p = c->buf + off;
        int opcode = p[0] & 0x0F;
        size_t len = p[1] & 0x7F, head = 2;
        if (len == 126) {
            if (c->used - off < 4) break;
            len = (size_t)p[2] << 8 | p[3];
            head = 4;
        } else if (len == 127) {
            if (c->used - off < 10) break;
            len = 0;
            for (int i = 2; i < 10; i++) len = len << 8 | p[i];
            head = 10;
        }
        if (head + len > BUF) { c->failed = 1; return; }  /* larger than any tick or state */
        if ((size_t)(c->used - off) < head + len) break;
        if (opcode == 1) on_text(c, p + head, len, now);
        else if (opcode == 9) send_masked(c->fd, 0xA, p + head, len);
        off += (int)(head + len);
    }
    memmove(c->buf, c->buf + off, (size_t)(c->used - off));
    c->used -= off;
}

static void start_connect(int epfd, int i)
{
    Client *c = &clients[i];
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connect(c->fd, (struct sockaddr *)&addr, sizeof addr);
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = (unsigned)i};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    pending++;
}

static void on_event(int epfd, int i, unsigned events, double now)
{
    Client *c = &clients[i];
    if (!c->open && (events & EPOLLOUT) && c->used == 0) {
        char request[512];
        int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n", path, port);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        if (send(c->fd, request, (size_t)n, MSG_NOSIGNAL) != n) c->failed = 1;
        c->used = 0;
        return;
    }
    for (;;) {
        ssize_t got = recv(c->fd, c->buf + c->used, (size_t)(BUF - c->used), 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) { c->failed = 1; break; }
        if (got < 0) break;
        c->used += (int)got;
        if (!c->open) {
            unsigned char *end = memmem(c->buf, (size_t)c->used, "\r\n\r\n", 4);
            if (end == NULL) continue;
            if (memmem(c->buf, (size_t)(end - c->buf), " 101 ", 5) == NULL) { c->failed = 1; break; }
            int rest = c->used - (int)(end + 4 - c->buf);
            memmove(c->buf, end + 4, (size_t)rest);
            c->used = rest;
            c->open = 1;
            connected++;
            pending--;
        }
        parse_frames(c, now);
        if (c->failed) break;
    }
    if (c->failed) {
        if (!c->open) { failed++; pending--; }
        c->open = 0;
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(void)
{
    qsort(delays, (size_t)delay_count, sizeof(double), compare);
    long long expected = seq_high >= 0 ? seq_high - seq_low + 1 : 0, missed = 0, alive = 0;
    for (int i = 0; i < count; i++) {
        if (clients[i].fd < 0 || !clients[i].open) continue;
        alive++;
        if (clients[i].in_window < expected) missed += expected - clients[i].in_window;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
#define AT(f) (delay_count ? delays[(long long)((delay_count - 1) * (f))] : -1.0)
    printf("{\"alive\":%lld,\"delivered\":%lld,\"expected_each\":%lld,\"missed\":%lld,\"p50_ms\":%.3f,"
           "\"p99_ms\":%.3f,\"max_ms\":%.3f,\"cpu_s\":%.6f,\"states\":[", alive, delay_count, expected, missed,
           AT(0.5), AT(0.99), AT(1.0), cpu);
    for (int i = 0; i < state_count; i++) printf("%s[%lld,%.3f]", i ? "," : "", state_version[i], state_at[i]);
    printf("]}\n");
    fflush(stdout);
}

static int read_command(void)
{
    char line[128];
    if (fgets(line, sizeof line, stdin) == NULL || strncmp(line, "quit", 4) == 0) return 0;
    if (strncmp(line, "window ", 7) == 0) {
        window_start = wall_ms() + 50.0;
        window_end = window_start + atof(line + 7);
        delay_count = 0;
        seq_low = seq_high = -1;
        for (int i = 0; i < count; i++) clients[i].in_window = 0;
        state_count = 0;  /* the states of connecting are not the control probe's */
    } else if (strncmp(line, "report", 6) == 0) {
        report();
        state_count = 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--clients")) count = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--in-flight")) in_flight = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--path")) path = argv[i + 1];
    }
    if (port <= 0 || count <= 0) { fprintf(stderr, "usage: loadgen --port P --clients N\n"); return 2; }
    clients = calloc((size_t)count, sizeof(Client));
    int epfd = epoll_create1(0);
    struct epoll_event events[512];
    double started = wall_ms();
    int next = 0;
    while (connected + failed < count && wall_ms() - started < 120000) {
        while (next < count && pending < in_flight) start_connect(epfd, next++);
        int ready = epoll_wait(epfd, events, 512, 100);
        double now = wall_ms();
        for (int i = 0; i < ready; i++) on_event(epfd, (int)events[i].data.u32, events[i].events, now);
    }
    printf("connected %d failed %d seconds %.3f\n", connected, failed + (count - connected - failed),
           (wall_ms() - started) / 1000.0);
    fflush(stdout);
    struct epoll_event in = {.events = EPOLLIN, .data.u32 = 0xFFFFFFFFu};
    epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &in);
    for (;;) {
        int ready = epoll_wait(epfd, events, 512, 1000);
        double now = wall_ms();
        for (int i = 0; i < ready; i++) {
            if (events[i].data.u32 == 0xFFFFFFFFu) {
                if (!read_command()) return 0;
            } else {
                on_event(epfd, (int)events[i].data.u32, events[i].events, now);
            }
        }
    }
}
