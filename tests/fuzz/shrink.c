/*
 * Shrinking a diverging sequence: delta debugging (ddmin, complements)
 * over its steps, then simpler data values and masks, so that what is left
 * is a reproducer short enough to read and to keep as a regression case.
 *
 * Each candidate runs in a child process, on fresh worlds: a crash or a
 * hang (bounded by alarm()) counts as a divergence too, and nothing one
 * candidate leaves behind in epollkq can change the next one's outcome.
 * A candidate counts only if it diverges the same way (same operation,
 * same kind of difference), so that shrinking does not wander off to
 * another bug, and only if every step stays inside the campaign's
 * features (feats.c), so that it does not wander off to a documented
 * difference.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fz.h"

#define FZ_CHILD_SECONDS 60
#define FZ_MAX_TESTS 6000

static void
read_all(int fd, char *buf, size_t len)
{
	size_t off = 0;
	while (off + 1 < len) {
		ssize_t k = read(fd, buf + off, len - 1 - off);
		if (k <= 0) {
			if (k == -1 && errno == EINTR)
				continue;
			break;
		}
		off += (size_t)k;
	}
	buf[off] = '\0';
	/* Drain what did not fit, so the child never blocks on us. */
	char sink[4096];
	while (read(fd, sink, sizeof sink) > 0)
		;
}

bool
fz_diverges_isolated(const struct fz_step *seq, size_t n, unsigned feats,
    char *why, size_t whylen)
{
	int p[2];
	if (pipe(p) == -1)
		abort();
	fflush(NULL);
	pid_t pid = fork();
	if (pid == -1)
		abort();
	if (pid == 0) {
		close(p[0]);
		alarm(FZ_CHILD_SECONDS);
		static char w[8192];
		long at = fz_run_seq(seq, n, feats, w, sizeof w);
		size_t len = strlen(w), off = 0;
		while (off < len) {
			ssize_t k = write(p[1], w + off, len - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(at >= 0 ? 1 : 0);
	}
	close(p[1]);
	char buf[8192];
	read_all(p[0], buf, sizeof buf);
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "crash: killed by signal %d (%s)%s\n",
		    WTERMSIG(status), strsignal(WTERMSIG(status)),
		    WTERMSIG(status) == SIGALRM ? " -- a hang" : "");
		return true;
	}
	snprintf(why, whylen, "%s", buf);
	return WIFEXITED(status) && WEXITSTATUS(status) == 1;
}

/*
 * The kind of a divergence: "crash: ..." as is; otherwise the diverging
 * step's operation and the sentence saying what differed.
 */
static void
signature(const char *why, char *sig, size_t len)
{
	if (strncmp(why, "crash:", 6) == 0) {
		snprintf(sig, len, "%.*s", (int)strcspn(why, "\n"), why);
		return;
	}
	const char *colon = strstr(why, ": ");
	const char *nl = strchr(why, '\n');
	if (colon == NULL || nl == NULL) {
		snprintf(sig, len, "%s", why);
		return;
	}
	colon += 2;
	int oplen = (int)strcspn(colon, " \n");
	const char *what = nl + 1 + strspn(nl + 1, " ");
	int off = snprintf(sig, len, "%.*s|%.*s", oplen, colon,
	    (int)strcspn(what, "\n"), what);
	/* and each world's first return value line, without the events
	 * (a ctl that fails otherwise is another bug) */
	static const char *const worlds[] = { "\n  linux ", "\n  epollkq " };
	for (int w = 0; w < 2 && off > 0 && (size_t)off < len; w++) {
		const char *l = strstr(why, worlds[w]);
		if (l == NULL)
			continue;
		l += 3;
		off += snprintf(sig + off, len - (size_t)off, "|%.*s",
		    (int)strcspn(l, "\n"), l);
	}
}

struct shrinker {
	char sig[512];
	long tests;
	unsigned feats;         /* candidates stay inside the campaign's */
};

static bool
still_fails(struct shrinker *sh, const struct fz_step *seq, size_t n)
{
	if (sh->tests >= FZ_MAX_TESTS)
		return false;
	sh->tests++;
	char why[8192], sig[512];
	if (!fz_diverges_isolated(seq, n, sh->feats, why, sizeof why))
		return false;
	signature(why, sig, sizeof sig);
	return strcmp(sig, sh->sig) == 0;
}

/* ddmin over steps, complements only (a chunk alone rarely has the
 * set-up it needs). */
static void
ddmin(struct shrinker *sh, struct fz_step *seq, size_t *np)
{
	size_t n = *np, parts = 2;
	struct fz_step *cand = malloc((n ? n : 1) * sizeof *cand);
	if (cand == NULL)
		abort();
	while (n >= 2 && sh->tests < FZ_MAX_TESTS) {
		size_t chunk = (n + parts - 1) / parts;
		bool reduced = false;
		for (size_t i = 0; i * chunk < n; i++) {
			size_t lo = i * chunk, hi = lo + chunk < n ? lo + chunk : n;
			size_t k = 0;
			for (size_t j = 0; j < n; j++)
				if (j < lo || j >= hi)
					cand[k++] = seq[j];
			if (still_fails(sh, cand, k)) {
				memcpy(seq, cand, k * sizeof *cand);
				n = k;
				parts = parts > 2 ? parts - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (parts >= n)
				break;
			parts = parts * 2 < n ? parts * 2 : n;
		}
	}
	free(cand);
	*np = n;
}

/* Data values renumbered 0x101, 0x102, ... in order of first use. */
static void
simplify_data(struct shrinker *sh, struct fz_step *seq, size_t n)
{
	struct fz_step *cand = malloc(n * sizeof *cand);
	uint64_t *from = malloc(n * sizeof *from);
	if (cand == NULL || from == NULL)
		abort();
	size_t nmap = 0;
	memcpy(cand, seq, n * sizeof *cand);
	for (size_t i = 0; i < n; i++) {
		if (cand[i].op != FZ_CTL)
			continue;
		size_t j;
		for (j = 0; j < nmap; j++)
			if (from[j] == cand[i].data)
				break;
		if (j == nmap)
			from[nmap++] = cand[i].data;
		cand[i].data = 0x101 + j;
	}
	if (still_fails(sh, cand, n))
		memcpy(seq, cand, n * sizeof *cand);
	free(cand);
	free(from);
}

/* Each bit of each epoll_ctl mask, and each wait's maxevents, made
 * simpler while it still fails. */
static void
simplify_masks(struct shrinker *sh, struct fz_step *seq, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (seq[i].op == FZ_CTL) {
			for (int bit = 31; bit >= 0; bit--) {
				uint32_t b = UINT32_C(1) << bit;
				if (!(seq[i].mask & b))
					continue;
				seq[i].mask &= ~b;
				if (!still_fails(sh, seq, n))
					seq[i].mask |= b;
			}
			if (seq[i].flags & FZ_F_NULL) {
				seq[i].flags &= (uint8_t)~FZ_F_NULL;
				if (!still_fails(sh, seq, n))
					seq[i].flags |= FZ_F_NULL;
			}
		} else if (seq[i].op == FZ_WAIT && seq[i].var != 0) {
			uint8_t api = seq[i].var;
			seq[i].var = 0;
			if (!still_fails(sh, seq, n))
				seq[i].var = api;
		}
	}
}

void
fz_shrink(struct fz_step *seq, size_t *n, unsigned feats)
{
	struct shrinker sh = { .tests = 0, .feats = feats };
	char why[8192];
	if (!fz_diverges_isolated(seq, *n, feats, why, sizeof why)) {
		fprintf(stderr, "fuzz: the sequence does not diverge when run "
		    "again on its own; not shrinking\n");
		return;
	}
	signature(why, sh.sig, sizeof sh.sig);
	ddmin(&sh, seq, n);
	simplify_data(&sh, seq, *n);
	simplify_masks(&sh, seq, *n);
	ddmin(&sh, seq, n);
	fprintf(stderr, "fuzz: shrunk to %zu steps in %ld runs\n", *n, sh.tests);
}
