/*
 * The seeded standalone driver.
 *
 *   fuzz [--seed S] [--steps N] [--len L] [--without FEATURES] [--save DIR]
 *        [--no-shrink] [--keep-going] [--self] [--seq K]
 *   fuzz --replay FILE...          each must run without divergence
 *   fuzz --pending FILE...         report which still diverge (exit 0)
 *
 * A campaign runs sequences of L steps (each in a child process, on fresh
 * worlds, seeded from S and its index) until N steps have run.  A
 * divergence prints the seed, the sequence, the step and what differed,
 * then a shrunk reproducer in the text format of text.c (saved under DIR
 * with --save).  --self puts Linux in both worlds: the fuzzer's own test,
 * since any divergence there is the harness's.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fz.h"

struct opts {
	uint64_t seed;
	long steps, len, only_seq;
	unsigned feats;
	const char *save;
	bool shrink, keep_going;
};

static const struct {
	const char *name;
	unsigned bit;
} fz_feat_names[] = {
	{ "epoll-dup", FZ_FEAT_EPOLL_DUP }, { "nullbuf", FZ_FEAT_NULLBUF },
	{ "oob", FZ_FEAT_OOB }, { "fifo", FZ_FEAT_FIFO }, { "nest", FZ_FEAT_NEST },
	{ "odd-epfd", FZ_FEAT_ODD_EPFD }, { "cycle", FZ_FEAT_CYCLE },
	{ "small-max", FZ_FEAT_SMALL_MAX }, { "knoteless", FZ_FEAT_KNOTELESS },
	{ "et-wakeup", FZ_FEAT_ET_WAKEUP }, { "nest-et", FZ_FEAT_NEST_ET },
	{ "et-readd", FZ_FEAT_ET_READD }, { "et-hidden", FZ_FEAT_ET_HIDDEN },
	{ "pipe-reopen", FZ_FEAT_PIPE_REOPEN }, { "accept", FZ_FEAT_ACCEPT },
	{ "del-closed", FZ_FEAT_DEL_CLOSED }, { "shut-rdwr", FZ_FEAT_SHUT_RDWR },
	{ "multi-ep", FZ_FEAT_MULTI_EP },
};

static void
usage(void)
{
	fprintf(stderr,
	    "usage: fuzz [--seed S] [--steps N] [--len L] [--without F,...]\n"
	    "            [--save DIR] [--no-shrink] [--keep-going] [--self]"
	    " [--seq K]\n"
	    "       fuzz --replay FILE...\n"
	    "       fuzz --pending FILE...\n"
	    "features: epoll-dup nullbuf oob fifo nest odd-epfd cycle small-max\n"
	    "          knoteless et-wakeup nest-et et-readd et-hidden\n"
	    "          pipe-reopen accept del-closed shut-rdwr multi-ep\n");
	exit(2);
}

static unsigned
parse_without(const char *list)
{
	unsigned feats = FZ_FEAT_ALL;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		size_t i, n = sizeof fz_feat_names / sizeof fz_feat_names[0];
		for (i = 0; i < n; i++)
			if (strcmp(p, fz_feat_names[i].name) == 0)
				break;
		if (i == n) {
			fprintf(stderr, "fuzz: unknown feature '%s'\n", p);
			usage();
		}
		feats &= ~fz_feat_names[i].bit;
	}
	return feats;
}

/* ---- one generated sequence, in a child ---- */

struct outcome {
	struct fz_step *seq;
	size_t n;
	bool diverged, crashed;
	char why[8192];
};

static void
write_all(int fd, const void *p, size_t len)
{
	const char *c = p;
	while (len > 0) {
		ssize_t k = write(fd, c, len);
		if (k <= 0) {
			if (k == -1 && errno == EINTR)
				continue;
			_exit(3);
		}
		c += k;
		len -= (size_t)k;
	}
}

/* Child: generate and run; each step is sent before it runs, so that a
 * crash leaves the parent the whole sequence. */
static void
child_run(int fd, uint64_t seed, long len, unsigned feats)
{
	struct fz_src src;
	fz_src_seed(&src, seed);
	static struct fz_run run;
	fz_run_init(&run);
	int rc = 0;
	for (long i = 0; i < len && rc != 1; i++) {
		struct fz_step st;
		if (!fz_gen_step(&src, &run.m, feats, &st))
			break;
		char tag = 'S';
		write_all(fd, &tag, 1);
		write_all(fd, &st, sizeof st);
		rc = fz_run_step(&run, &st);
		if (rc == -1) {
			fprintf(stderr, "fuzz: generated an invalid step\n");
			_exit(3);
		}
	}
	if (rc == 1) {
		char tag = 'D';
		write_all(fd, &tag, 1);
		write_all(fd, run.why, strlen(run.why));
	}
	fz_run_fini(&run);
	_exit(rc == 1 ? 1 : 0);
}

static void
run_one(uint64_t seed, long len, unsigned feats, struct outcome *out)
{
	memset(out, 0, sizeof *out);
	int p[2];
	if (pipe(p) == -1) {
		perror("fuzz: pipe");
		exit(2);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == -1) {
		perror("fuzz: fork");
		exit(2);
	}
	if (pid == 0) {
		close(p[0]);
		alarm(600);
		child_run(p[1], seed, len, feats);
	}
	close(p[1]);
	size_t cap = 1024;
	out->seq = malloc(cap * sizeof *out->seq);
	for (;;) {
		char tag;
		ssize_t k = read(p[0], &tag, 1);
		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (tag == 'D') {
			size_t off = 0;
			while (off + 1 < sizeof out->why &&
			    (k = read(p[0], out->why + off,
			    sizeof out->why - 1 - off)) > 0)
				off += (size_t)k;
			out->why[off] = '\0';
			break;
		}
		if (out->n == cap) {
			cap *= 2;
			out->seq = realloc(out->seq, cap * sizeof *out->seq);
		}
		size_t got = 0;
		char *dst = (char *)&out->seq[out->n];
		while (got < sizeof *out->seq &&
		    (k = read(p[0], dst + got, sizeof *out->seq - got)) > 0)
			got += (size_t)k;
		if (got < sizeof *out->seq)
			break;
		out->n++;
	}
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		out->crashed = out->diverged = true;
		snprintf(out->why, sizeof out->why, "crash: killed by signal %d "
		    "(%s) at step %zu\n", WTERMSIG(status),
		    strsignal(WTERMSIG(status)), out->n ? out->n - 1 : 0);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		out->diverged = true;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "fuzz: child failed (status %d)\n", status);
		exit(2);
	}
}

static uint64_t
seq_seed(uint64_t seed, long k)
{
	return seed * UINT64_C(0x100000001b3) + (uint64_t)k;
}

static void
report(const struct opts *o, long k, struct outcome *out)
{
	printf("fuzz: DIVERGENCE: seed %" PRIu64 ", sequence %ld (--seed %"
	    PRIu64 " --seq %ld --len %ld), step %zu\n%s", o->seed, k, o->seed,
	    k, o->len, out->n ? out->n - 1 : 0, out->why);
	if (o->shrink) {
		printf("fuzz: shrinking %zu steps...\n", out->n);
		fflush(stdout);
		fz_shrink(out->seq, &out->n, o->feats);
	}
	char why[8192];
	fz_diverges_isolated(out->seq, out->n, FZ_FEAT_ALL, why, sizeof why);
	printf("fuzz: reproducer (%zu steps):\n", out->n);
	printf("# seed %" PRIu64 " sequence %ld\n", o->seed, k);
	for (char *l = why, *e; *l != '\0'; l = e + (*e != '\0')) {
		e = l + strcspn(l, "\n");
		printf("# %.*s\n", (int)(e - l), l);
	}
	fz_seq_print(stdout, out->seq, out->n);
	if (o->save != NULL) {
		char path[4096];
		snprintf(path, sizeof path, "%s/seed%" PRIu64 "-seq%ld.seq",
		    o->save, o->seed, k);
		FILE *f = fopen(path, "w");
		if (f == NULL) {
			fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		} else {
			fprintf(f, "# found by: fuzz --seed %" PRIu64 " --seq %ld "
			    "--len %ld\n", o->seed, k, o->len);
			for (char *l = why, *e; *l != '\0'; l = e + (*e != '\0')) {
				e = l + strcspn(l, "\n");
				fprintf(f, "# %.*s\n", (int)(e - l), l);
			}
			fz_seq_print(f, out->seq, out->n);
			fclose(f);
			printf("fuzz: saved %s\n", path);
		}
	}
	fflush(stdout);
}

static int
campaign(const struct opts *o)
{
	long total = 0, found = 0, k = o->only_seq >= 0 ? o->only_seq : 0;
	long seqs = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (total < o->steps) {
		long len = o->len < o->steps - total ? o->len : o->steps - total;
		struct outcome out;
		run_one(seq_seed(o->seed, k), len, o->feats, &out);
		total += (long)out.n;
		seqs++;
		if (out.diverged) {
			found++;
			report(o, k, &out);
		}
		free(out.seq);
		if ((out.diverged && !o->keep_going) || o->only_seq >= 0)
			break;
		if (out.n == 0)
			break;
		k++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("fuzz: seed %" PRIu64 ": %ld steps in %ld sequences, %.1f s "
	    "(%.0f steps/s), %ld divergence%s, %.1f per 10^6 steps (worlds: "
	    "linux, %s)\n", o->seed, total, seqs, secs,
	    secs > 0 ? (double)total / secs : 0.0, found, found == 1 ? "" : "s",
	    total > 0 ? (double)found * 1e6 / (double)total : 0.0,
	    fz_second_api->name);
	return found ? 1 : 0;
}

static int
replay(char **files, int nfiles, bool pending)
{
	int bad = 0;
	for (int i = 0; i < nfiles; i++) {
		struct fz_step *seq;
		size_t n;
		if (fz_seq_load(files[i], &seq, &n) == -1) {
			bad++;
			continue;
		}
		char why[8192];
		bool div = fz_diverges_isolated(seq, n, FZ_FEAT_ALL, why,
		    sizeof why);
		if (pending)
			printf("%s: %s\n", files[i], div ? "still diverges" :
			    "PASSES now: move it to tests/fuzz/regressions/");
		else
			printf("%s: %s\n", files[i], div ? "DIVERGES" : "ok");
		if (div)
			printf("%s", why);
		bad += div && !pending;
		free(seq);
	}
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .seed = 1, .steps = 100000, .len = 1000,
		.only_seq = -1, .feats = FZ_FEAT_ALL, .shrink = true };
	fz_objects_setup();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (strcmp(a, "--replay") == 0 || strcmp(a, "--pending") == 0)
			return replay(argv + i + 1, argc - i - 1, a[2] == 'p');
		if (strcmp(a, "--seed") == 0 && more)
			o.seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(a, "--steps") == 0 && more)
			o.steps = strtol(argv[++i], NULL, 0);
		else if (strcmp(a, "--len") == 0 && more)
			o.len = strtol(argv[++i], NULL, 0);
		else if (strcmp(a, "--seq") == 0 && more)
			o.only_seq = strtol(argv[++i], NULL, 0);
		else if (strcmp(a, "--without") == 0 && more)
			o.feats = parse_without(argv[++i]);
		else if (strcmp(a, "--save") == 0 && more)
			o.save = argv[++i];
		else if (strcmp(a, "--no-shrink") == 0)
			o.shrink = false;
		else if (strcmp(a, "--keep-going") == 0)
			o.keep_going = true;
		else if (strcmp(a, "--trace") == 0)
			fz_trace = true;
		else if (strcmp(a, "--self") == 0)
			fz_second_api = &fz_api_linux;
		else
			usage();
	}
	if (o.len <= 0 || o.steps <= 0)
		usage();
	return campaign(&o);
}
