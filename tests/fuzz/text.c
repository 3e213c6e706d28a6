/*
 * Sequences as text: one step per line, slots by number, masks by name.
 * Lines starting with '#' are comments.  The format (also in
 * tests/fuzz/regressions/README):
 *
 *   pipe R W [size=N]                 socketpair stream|dgram|seqpacket A B [sndbuf=N]
 *   fifo R W | fifo-rdwr A            epoll A create1 FLAGS | epoll A create SIZE
 *   file A                            dup NEW SRC        reopen NEW SRC
 *   close A                           dup2 A SRC         (dup2(SRC's fd, A's fd))
 *   reopen-at A pipe|stream|dgram [B] [n=N]   (A closed; the new first end
 *   reopen-at A epoll [flags=X]                lands on its number, the
 *   reopen-at A fifo|file                      other end goes to slot B)
 *   reopen-at A dup|reopen B
 *   reopen-at A accept [B]            (a connection accepted onto A's
 *                                      number, its client end to B)
 *   write A LEN|all [oob]             read A LEN|all [oob]
 *   shutdown A rd|wr|rdwr
 *   ctl EP add|del|mod|op=N FD EVENTS DATA [null]
 *   wait EP MAXEVENTS wait|pwait|pwait-mask|pwait2|pwait2-badts [null]
 *   cycle EP M
 *
 * An operand is a slot number, "bad" (descriptor -1), "big" (a number
 * no descriptor has) or "closed" (the number the last close freed).
 * EVENTS is names joined by '|' (in, out, pri, err, hup, rdnorm, rdband,
 * wrnorm, wrband, msg, rdhup, exclusive, wakeup, oneshot, et) and hex for
 * other bits, or 0.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "fz.h"

static const struct {
	const char *name;
	uint32_t bit;
} fz_bits[] = {
	{ "in", EPOLLIN }, { "out", EPOLLOUT }, { "pri", EPOLLPRI },
	{ "err", EPOLLERR }, { "hup", EPOLLHUP }, { "rdnorm", EPOLLRDNORM },
	{ "rdband", EPOLLRDBAND }, { "wrnorm", EPOLLWRNORM },
	{ "wrband", EPOLLWRBAND }, { "msg", EPOLLMSG }, { "rdhup", EPOLLRDHUP },
	{ "exclusive", EPOLLEXCLUSIVE }, { "wakeup", EPOLLWAKEUP },
	{ "oneshot", EPOLLONESHOT }, { "et", EPOLLET },
};
#define FZ_NBITS (sizeof fz_bits / sizeof fz_bits[0])

static const char *const fz_ra_names[FZ_RA_COUNT] = { "pipe", "stream",
	"dgram", "epoll", "fifo", "file", "dup", "reopen", "accept" };
static const char *const fz_api_names[FZ_API_COUNT] = { "wait", "pwait",
	"pwait-mask", "pwait2", "pwait2-badts" };
static const char *const fz_st_names[3] = { "stream", "dgram", "seqpacket" };
static const char *const fz_how_names[3] = { "rd", "wr", "rdwr" };

const char *
fz_mask_str(uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	if (mask == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (size_t i = 0; i < FZ_NBITS; i++) {
		if (!(mask & fz_bits[i].bit))
			continue;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
		    "%s%s", off ? "|" : "", fz_bits[i].name);
		mask &= ~fz_bits[i].bit;
	}
	if (mask != 0)
		snprintf(buf + off, off < len ? len - off : 0, "%s0x%" PRIx32,
		    off ? "|" : "", mask);
	return buf;
}

static const char *
opd(int s, char *buf)
{
	if (s == FZ_OPD_BAD)
		return "bad";
	if (s == FZ_OPD_BIG)
		return "big";
	if (s == FZ_OPD_CLOSED)
		return "closed";
	snprintf(buf, 8, "%d", s);
	return buf;
}

static const char *
len_str(int32_t n, char *buf)
{
	if (n == FZ_LEN_ALL)
		return "all";
	snprintf(buf, 16, "%" PRId32, n);
	return buf;
}

void
fz_step_print(FILE *f, const struct fz_step *st)
{
	char a[8], b[8], l[16], mk[256];
	switch (st->op) {
	case FZ_PIPE:
		fprintf(f, "pipe %s %s", opd(st->a, a), opd(st->b, b));
		if (st->n)
			fprintf(f, " size=%" PRId32, st->n);
		break;
	case FZ_FIFO:
		if (st->var == 1)
			fprintf(f, "fifo-rdwr %s", opd(st->a, a));
		else
			fprintf(f, "fifo %s %s", opd(st->a, a), opd(st->b, b));
		break;
	case FZ_SOCKPAIR:
		fprintf(f, "socketpair %s %s %s",
		    fz_st_names[st->var < 3 ? st->var : 0], opd(st->a, a),
		    opd(st->b, b));
		if (st->n)
			fprintf(f, " sndbuf=%" PRId32, st->n);
		break;
	case FZ_EPOLL:
		if (st->var == 1)
			fprintf(f, "epoll %s create %" PRId32, opd(st->a, a), st->n);
		else
			fprintf(f, "epoll %s create1 0x%" PRIx32, opd(st->a, a),
			    st->mask);
		break;
	case FZ_FILE:
		fprintf(f, "file %s", opd(st->a, a));
		break;
	case FZ_DUP:
		fprintf(f, "dup %s %s", opd(st->a, a), opd(st->b, b));
		break;
	case FZ_REOPEN:
		fprintf(f, "reopen %s %s", opd(st->a, a), opd(st->b, b));
		break;
	case FZ_CLOSE:
		fprintf(f, "close %s", opd(st->a, a));
		break;
	case FZ_REOPEN_AT:
		fprintf(f, "reopen-at %s %s", opd(st->a, a),
		    fz_ra_names[st->var < FZ_RA_COUNT ? st->var : 0]);
		if (st->b != FZ_OPD_BAD)
			fprintf(f, " %s", opd(st->b, b));
		if (st->n)
			fprintf(f, " n=%" PRId32, st->n);
		if (st->mask)
			fprintf(f, " flags=0x%" PRIx32, st->mask);
		break;
	case FZ_DUP2:
		fprintf(f, "dup2 %s %s", opd(st->a, a), opd(st->b, b));
		break;
	case FZ_WRITE:
	case FZ_READ:
		fprintf(f, "%s %s %s%s", st->op == FZ_WRITE ? "write" : "read",
		    opd(st->a, a), len_str(st->n, l), st->var == 1 ? " oob" : "");
		break;
	case FZ_SHUTDOWN:
		fprintf(f, "shutdown %s %s", opd(st->a, a),
		    fz_how_names[st->var < 3 ? st->var : 2]);
		break;
	case FZ_CTL:
		fprintf(f, "ctl %s ", opd(st->a, a));
		if (st->var == EPOLL_CTL_ADD)
			fprintf(f, "add");
		else if (st->var == EPOLL_CTL_DEL)
			fprintf(f, "del");
		else if (st->var == EPOLL_CTL_MOD)
			fprintf(f, "mod");
		else
			fprintf(f, "op=%d", st->var);
		fprintf(f, " %s %s 0x%016" PRIx64 "%s", opd(st->b, b),
		    fz_mask_str(st->mask, mk, sizeof mk), st->data,
		    (st->flags & FZ_F_NULL) ? " null" : "");
		break;
	case FZ_WAIT:
		fprintf(f, "wait %s %" PRId32 " %s%s", opd(st->a, a), st->n,
		    fz_api_names[st->var < FZ_API_COUNT ? st->var : 0],
		    (st->flags & FZ_F_NULL) ? " null" : "");
		break;
	case FZ_CYCLE:
		fprintf(f, "cycle %s %" PRId32, opd(st->a, a), st->n);
		break;
	default:
		fprintf(f, "# unknown op %d", st->op);
		break;
	}
}

void
fz_seq_print(FILE *f, const struct fz_step *seq, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fz_step_print(f, &seq[i]);
		fputc('\n', f);
	}
}

/* ---- parsing ---- */

#define FZ_MAXTOK 12

static int
parse_opd(const char *t, int8_t *out)
{
	if (strcmp(t, "bad") == 0) {
		*out = FZ_OPD_BAD;
		return 0;
	}
	if (strcmp(t, "big") == 0) {
		*out = FZ_OPD_BIG;
		return 0;
	}
	if (strcmp(t, "closed") == 0) {
		*out = FZ_OPD_CLOSED;
		return 0;
	}
	char *end;
	long v = strtol(t, &end, 10);
	if (*end != '\0' || v < 0 || v >= FZ_NSLOTS)
		return -1;
	*out = (int8_t)v;
	return 0;
}

static int
parse_num(const char *t, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(t, &end, 0);
	if (*t == '\0' || *end != '\0' || errno != 0) {
		/* Unsigned 64-bit hex above LLONG_MAX. */
		errno = 0;
		unsigned long long u = strtoull(t, &end, 0);
		if (*t == '\0' || *end != '\0' || errno != 0)
			return -1;
		v = (long long)u;
	}
	*out = v;
	return 0;
}

static int
parse_len(const char *t, int32_t *out)
{
	if (strcmp(t, "all") == 0) {
		*out = FZ_LEN_ALL;
		return 0;
	}
	long long v;
	if (parse_num(t, &v) == -1)
		return -1;
	*out = (int32_t)v;
	return 0;
}

static int
parse_mask(const char *t, uint32_t *out)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", t);
	uint32_t mask = 0;
	for (char *save = NULL, *p = strtok_r(buf, "|", &save); p != NULL;
	    p = strtok_r(NULL, "|", &save)) {
		size_t i;
		for (i = 0; i < FZ_NBITS; i++)
			if (strcmp(p, fz_bits[i].name) == 0)
				break;
		if (i < FZ_NBITS) {
			mask |= fz_bits[i].bit;
			continue;
		}
		long long v;
		if (parse_num(p, &v) == -1)
			return -1;
		mask |= (uint32_t)v;
	}
	*out = mask;
	return 0;
}

static int
lookup(const char *t, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(t, names[i]) == 0)
			return i;
	return -1;
}

/* key=value options after the positional tokens. */
static int
parse_opts(char **tok, int ntok, int from, struct fz_step *st)
{
	for (int i = from; i < ntok; i++) {
		long long v;
		if (strcmp(tok[i], "oob") == 0 || strcmp(tok[i], "null") == 0) {
			if (tok[i][0] == 'o')
				st->var = 1;
			else
				st->flags |= FZ_F_NULL;
			continue;
		}
		char *eq = strchr(tok[i], '=');
		if (eq == NULL || parse_num(eq + 1, &v) == -1)
			return -1;
		*eq = '\0';
		if (strcmp(tok[i], "size") == 0 || strcmp(tok[i], "sndbuf") == 0 ||
		    strcmp(tok[i], "n") == 0)
			st->n = (int32_t)v;
		else if (strcmp(tok[i], "flags") == 0)
			st->mask = (uint32_t)v;
		else
			return -1;
	}
	return 0;
}

int
fz_step_parse(const char *line, struct fz_step *st)
{
	char buf[512];
	char *tok[FZ_MAXTOK];
	int n = 0;
	snprintf(buf, sizeof buf, "%s", line);
	for (char *save = NULL, *p = strtok_r(buf, " \t\r\n", &save);
	    p != NULL && n < FZ_MAXTOK; p = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = p;
	memset(st, 0, sizeof *st);
	st->a = st->b = FZ_OPD_BAD;
	if (n == 0)
		return -1;
	const char *op = tok[0];
#define NEED(k) do { if (n < (k)) return -1; } while (0)
	if (strcmp(op, "pipe") == 0) {
		NEED(3);
		st->op = FZ_PIPE;
		if (parse_opd(tok[1], &st->a) || parse_opd(tok[2], &st->b))
			return -1;
		return parse_opts(tok, n, 3, st);
	}
	if (strcmp(op, "fifo") == 0) {
		NEED(3);
		st->op = FZ_FIFO;
		return parse_opd(tok[1], &st->a) || parse_opd(tok[2], &st->b) ?
		    -1 : 0;
	}
	if (strcmp(op, "fifo-rdwr") == 0) {
		NEED(2);
		st->op = FZ_FIFO;
		st->var = 1;
		return parse_opd(tok[1], &st->a);
	}
	if (strcmp(op, "socketpair") == 0) {
		NEED(4);
		st->op = FZ_SOCKPAIR;
		int t = lookup(tok[1], fz_st_names, 3);
		if (t < 0 || parse_opd(tok[2], &st->a) || parse_opd(tok[3], &st->b))
			return -1;
		st->var = (uint8_t)t;
		return parse_opts(tok, n, 4, st);
	}
	if (strcmp(op, "epoll") == 0) {
		NEED(4);
		st->op = FZ_EPOLL;
		long long v;
		if (parse_opd(tok[1], &st->a) || parse_num(tok[3], &v))
			return -1;
		if (strcmp(tok[2], "create") == 0) {
			st->var = 1;
			st->n = (int32_t)v;
		} else if (strcmp(tok[2], "create1") == 0) {
			st->mask = (uint32_t)v;
		} else {
			return -1;
		}
		return 0;
	}
	if (strcmp(op, "file") == 0 || strcmp(op, "close") == 0) {
		NEED(2);
		st->op = op[0] == 'f' ? FZ_FILE : FZ_CLOSE;
		return parse_opd(tok[1], &st->a);
	}
	if (strcmp(op, "dup") == 0 || strcmp(op, "reopen") == 0 ||
	    strcmp(op, "dup2") == 0) {
		NEED(3);
		st->op = strcmp(op, "dup") == 0 ? FZ_DUP :
		    strcmp(op, "dup2") == 0 ? FZ_DUP2 : FZ_REOPEN;
		return parse_opd(tok[1], &st->a) || parse_opd(tok[2], &st->b) ?
		    -1 : 0;
	}
	if (strcmp(op, "reopen-at") == 0) {
		NEED(3);
		st->op = FZ_REOPEN_AT;
		int v = lookup(tok[2], fz_ra_names, FZ_RA_COUNT);
		if (v < 0 || parse_opd(tok[1], &st->a))
			return -1;
		st->var = (uint8_t)v;
		int from = 3;
		if (n > 3 && strchr(tok[3], '=') == NULL) {
			if (parse_opd(tok[3], &st->b))
				return -1;
			from = 4;
		}
		return parse_opts(tok, n, from, st);
	}
	if (strcmp(op, "write") == 0 || strcmp(op, "read") == 0) {
		NEED(3);
		st->op = op[0] == 'w' ? FZ_WRITE : FZ_READ;
		if (parse_opd(tok[1], &st->a) || parse_len(tok[2], &st->n))
			return -1;
		return parse_opts(tok, n, 3, st);
	}
	if (strcmp(op, "shutdown") == 0) {
		NEED(3);
		st->op = FZ_SHUTDOWN;
		int v = lookup(tok[2], fz_how_names, 3);
		if (v < 0 || parse_opd(tok[1], &st->a))
			return -1;
		st->var = (uint8_t)v;
		return 0;
	}
	if (strcmp(op, "ctl") == 0) {
		NEED(6);
		st->op = FZ_CTL;
		long long v;
		if (parse_opd(tok[1], &st->a) || parse_opd(tok[3], &st->b) ||
		    parse_mask(tok[4], &st->mask) || parse_num(tok[5], &v))
			return -1;
		st->data = (uint64_t)v;
		if (strcmp(tok[2], "add") == 0)
			st->var = EPOLL_CTL_ADD;
		else if (strcmp(tok[2], "del") == 0)
			st->var = EPOLL_CTL_DEL;
		else if (strcmp(tok[2], "mod") == 0)
			st->var = EPOLL_CTL_MOD;
		else if (strncmp(tok[2], "op=", 3) == 0 &&
		    parse_num(tok[2] + 3, &v) == 0)
			st->var = (uint8_t)v;
		else
			return -1;
		return parse_opts(tok, n, 6, st);
	}
	if (strcmp(op, "wait") == 0) {
		NEED(4);
		st->op = FZ_WAIT;
		long long v;
		int api = lookup(tok[3], fz_api_names, FZ_API_COUNT);
		if (api < 0 || parse_opd(tok[1], &st->a) || parse_num(tok[2], &v))
			return -1;
		st->n = (int32_t)v;
		st->var = (uint8_t)api;
		return parse_opts(tok, n, 4, st);
	}
	if (strcmp(op, "cycle") == 0) {
		NEED(3);
		st->op = FZ_CYCLE;
		long long v;
		if (parse_opd(tok[1], &st->a) || parse_num(tok[2], &v))
			return -1;
		st->n = (int32_t)v;
		return 0;
	}
#undef NEED
	return -1;
}

int
fz_seq_load(const char *path, struct fz_step **seq, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "fuzz: %s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 64, cnt = 0;
	struct fz_step *s = malloc(cap * sizeof *s);
	char line[512];
	int lineno = 0, rc = 0;
	while (s != NULL && fgets(line, sizeof line, f) != NULL) {
		lineno++;
		const char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		if (cnt == cap) {
			struct fz_step *t = realloc(s, 2 * cap * sizeof *s);
			if (t == NULL) {
				rc = -1;
				break;
			}
			s = t;
			cap *= 2;
		}
		if (fz_step_parse(p, &s[cnt]) == -1) {
			fprintf(stderr, "fuzz: %s:%d: cannot parse: %s", path,
			    lineno, line);
			rc = -1;
			break;
		}
		cnt++;
	}
	fclose(f);
	if (s == NULL || rc == -1) {
		free(s);
		return -1;
	}
	*seq = s;
	*n = cnt;
	return 0;
}
