/*
 * echo: a loopback TCP echo server with 1,000 connections, driven by a
 * load client in a separate process; requests per second, shown as the
 * cost of a request (1/rate) so that ratios read as in the other tables.
 *
 * The client process is forked once, before any epoll instance exists, and
 * then told over a pipe where to connect for each measurement: a child
 * forked later would inherit (and, for epollkq, rebuild) the instances.
 * On a machine with two or more CPUs, server and client are pinned to
 * different ones.
 */
#include "config.h"

#include "bench.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct ctx {
	int cmd, res;           /* pipes to and from the client process */
	struct echo_load load;
};

static const struct echo_ops *const ops[NWAYS] = {
#ifdef BENCH_HAVE_LINUX
	&bench_echo_sys,
#else
	NULL,
#endif
	&bench_echo_ekq, &bench_echo_kq,
};

static void
pin(int cpu)
{
#ifdef CPU_SET
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof set, &set);
#else
	(void)cpu;
#endif
}

static int
listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd == -1)
		err(1, "socket");
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof sin;
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(fd, 4096) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		err(1, "listener");
	/* The servers accept until EAGAIN: a blocking listener would hang
	 * the last accept() of a batch. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		err(1, "fcntl");
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
client_process(int cmd, int res)
{
	struct echo_load l;
	while (read(cmd, &l, sizeof l) == (ssize_t)sizeof l) {
		struct echo_count r = bench_echo_client(&l);
		if (write(res, &r, sizeof r) != (ssize_t)sizeof r)
			err(1, "echo client: result");
	}
	_exit(0);
}

static void
measure(int c, enum bench_way w, double *out, void *arg)
{
	struct ctx *x = arg;
	(void)c;
	struct echo_load l = x->load;
	int lfd = listener(&l.port);
	if (write(x->cmd, &l, sizeof l) != (ssize_t)sizeof l)
		err(1, "echo: command");
	ops[w]->serve(lfd, l.nconns);
	close(lfd);
	struct echo_count r;
	if (read(x->res, &r, sizeof r) != (ssize_t)sizeof r)
		errx(1, "echo: the client process died");
	out[0] = r.requests > 0 ? r.seconds * 1e9 / r.requests : 0;
}

int
main(int argc, char **argv)
{
	struct bench_opts o;
	bench_parse(argc, argv, &o, "conns=1000");
	struct ctx x;
	memset(&x, 0, sizeof x);
	x.load = (struct echo_load){ 0, o.quick ? 100 : 1000, 64,
		o.quick ? 30 : 100, o.quick ? 100 : 500 };

	int cmd[2], res[2];
	if (pipe(cmd) == -1 || pipe(res) == -1)
		err(1, "pipe");
	bool two = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	pid_t pid = fork();
	if (pid == -1)
		err(1, "fork");
	if (pid == 0) {
		close(cmd[1]);
		close(res[0]);
		if (two)
			pin(1);
		client_process(cmd[0], res[1]);
	}
	close(cmd[0]);
	close(res[1]);
	x.cmd = cmd[1];
	x.res = res[0];
	if (two)
		pin(0);

	char title[200];
	snprintf(title, sizeof title, "loopback TCP echo, %d connections, one "
	    "%d-byte request in flight on each, %d ms measured after %d ms",
	    x.load.nconns, x.load.size, x.load.window_ms, x.load.warmup_ms);
	char conf[32];
	snprintf(conf, sizeof conf, "conns=%d", x.load.nconns);
	struct bench_spec spec = {
		.workload = "echo",
		.title = title,
		.xname = "connections",
		.nconfigs = 1,
		.config = { conf },
		.x = { x.load.nconns },
		.nmetrics = 1,
		.metric = { "ns/request" },
		.measure = measure,
		.arg = &x,
	};
	if (o.only != NULL && strcmp(o.only, "conns=1000") == 0)
		o.only = conf;
	bench_medians med;
	bench_run(&spec, &o, med);
	for (int w = 0; w < NWAYS; w++) {
		if (med[0][w][0] <= 0)
			continue;
		char key[64];
		snprintf(key, sizeof key, "rps_%s", bench_way_name(w));
		bench_note(&o, "echo", key, 1e9 / med[0][w][0],
		    "%-8s requests per second (median cost): %.0f",
		    bench_way_name(w), 1e9 / med[0][w][0]);
	}
	double r = bench_pratio(0, WAY_EKQ, 0, WAY_KQ, 0);
	if (r > 0)
		bench_note(&o, "echo", "ekq_kq", r,
		    "epollkq/kevent cost per request: %.3f", r);
	close(x.cmd);
	close(x.res);
	waitpid(pid, NULL, 0);
	bench_tally_report(&o, "echo");
	return 0;
}
