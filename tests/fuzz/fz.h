/*
 * The differential fuzzer: random operation sequences run on the kernel's
 * epoll and on epollkq, in one process, every result compared.
 *
 * Pieces:
 *   world.c    the epoll calls; compiled twice (against the system's
 *              <sys/epoll.h>, and with -I include against epollkq's), so
 *              each copy is one "world"'s API (fz_api_linux, fz_api_ekq)
 *   objects.c  a world's descriptors: pipes, FIFOs, socketpairs, epoll
 *              instances, files; the non-epoll operations (POSIX only)
 *   model.c    what the generator knows about the pool, shared by both
 *              worlds: slot kinds, open files, live registrations (from
 *              Linux's answers), and the rules that keep sequences inside
 *              what epollkq promises
 *   gen.c      steps from a choice source (a PRNG, or libFuzzer's bytes)
 *   run.c      one step on both worlds, and the comparison
 *   text.c     the text format of a sequence (regression files)
 *   shrink.c   delta debugging over the steps of a failing sequence
 *   main.c     the seeded standalone driver; libfuzzer.c the libFuzzer one
 *
 * Steps name descriptors by slot (0 .. FZ_NSLOTS-1), never by number: each
 * world has its own descriptors, and the numbers differ between worlds.
 */
#ifndef FZ_H
#define FZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FZ_NSLOTS 16
/* maxevents of a "full" wait: more than an instance can hold (one
 * registration per slot), so it always returns everything ready. */
#define FZ_FULL 64
/* The event buffer handed to epoll_wait(): any maxevents up to this. */
#define FZ_BUF 1024
#define FZ_MAXREG (FZ_NSLOTS * FZ_NSLOTS)

/* Operands that are not slots. */
#define FZ_OPD_BAD (-1) /* descriptor -1 */
#define FZ_OPD_BIG (-2) /* a number far above any open descriptor */
#define FZ_OPD_CLOSED (-3) /* the number the world's last close freed */
#define FZ_BIG_FD 1000000

enum fz_op {
	FZ_PIPE,        /* a = read end, b = write end, n = pipe size or 0 */
	FZ_FIFO,        /* a = reader, b = writer (or -1 with var 1: O_RDWR) */
	FZ_SOCKPAIR,    /* a, b; var = FZ_ST_*; n = SO_SNDBUF or 0 */
	FZ_EPOLL,       /* a; var 0: epoll_create1(mask), 1: epoll_create(n) */
	FZ_FILE,        /* a: a regular file (epoll refuses it: EPERM) */
	FZ_DUP,         /* a = new slot, b = source; var 1: F_DUPFD_CLOEXEC */
	FZ_REOPEN,      /* a = new slot, b = source: open(/proc/self/fd/N) */
	FZ_CLOSE,       /* a */
	FZ_REOPEN_AT,   /* close a, then a new file lands on its number:
	                   var = FZ_RA_*, b = second slot where one is needed */
	FZ_DUP2,        /* dup2(b's descriptor, a's descriptor) */
	FZ_WRITE,       /* a; n = length or FZ_LEN_ALL; var 1: MSG_OOB */
	FZ_READ,        /* a; n = length or FZ_LEN_ALL; var 1: MSG_OOB */
	FZ_SHUTDOWN,    /* a; var = SHUT_RD, SHUT_WR, SHUT_RDWR */
	FZ_CTL,         /* epoll_ctl(a, var, b, {mask, data}) */
	FZ_WAIT,        /* epoll_*wait(a, n); var = FZ_API_* */
	FZ_CYCLE,       /* fairness: waits of n events cover all ready */
	FZ_NOPS
};

/* Socket types of FZ_SOCKPAIR and FZ_REOPEN_AT. */
enum { FZ_ST_STREAM, FZ_ST_DGRAM, FZ_ST_SEQPACKET };

/* What lands on the closed number in FZ_REOPEN_AT. */
enum {
	FZ_RA_PIPE,     /* a new pipe's read end (write end to slot b) */
	FZ_RA_STREAM,   /* a socketpair's first end (the other to slot b) */
	FZ_RA_DGRAM,
	FZ_RA_EPOLL,    /* a new epoll instance */
	FZ_RA_FIFO,     /* a new FIFO's read end (no writer) */
	FZ_RA_FILE,     /* a regular file */
	FZ_RA_DUP,      /* dup(b) */
	FZ_RA_REOPEN,   /* open(/proc/self/fd/<b>) */
	FZ_RA_ACCEPT,   /* accept() of a new connection to the world's
	                   listener (its client end to slot b) */
	FZ_RA_COUNT
};

/* The wait calls. */
enum {
	FZ_API_WAIT,        /* epoll_wait(.., 0) */
	FZ_API_PWAIT,       /* epoll_pwait(.., 0, NULL) */
	FZ_API_PWAIT_MASK,  /* epoll_pwait(.., 0, {SIGUSR2}) */
	FZ_API_PWAIT2,      /* epoll_pwait2(.., {0, 0}, NULL) */
	FZ_API_PWAIT2_BAD,  /* epoll_pwait2(.., {0, 1000000000}, NULL): EINVAL */
	FZ_API_COUNT
};

#define FZ_LEN_ALL (-1) /* write until EAGAIN / read until EAGAIN or EOF */

/* Step flags */
#define FZ_F_NULL 0x01  /* ctl: event NULL; wait: events buffer NULL */

struct fz_step {
	uint8_t op;
	uint8_t var;
	uint8_t flags;
	int8_t a, b;
	int32_t n;
	uint32_t mask;
	uint64_t data;
};

/* An event, independent of either header's struct epoll_event. */
struct fz_ev {
	uint32_t events;
	uint64_t data;
};

/* A world's epoll API (world.c). */
struct fz_api {
	const char *name;
	int (*create)(int size);
	int (*create1)(int flags);
	/* ev NULL: the call gets a NULL event. */
	int (*ctl)(int epfd, int op, int fd, const struct fz_ev *ev);
	/* out NULL: the call gets a NULL buffer. */
	int (*wait)(int epfd, struct fz_ev *out, int maxevents, int api);
};
extern const struct fz_api fz_api_linux;
extern const struct fz_api fz_api_ekq;

/* ---- objects.c: one world's descriptors ---- */
struct fz_world {
	const struct fz_api *api;
	int fd[FZ_NSLOTS];      /* -1: empty */
	char tag;               /* names its FIFOs */
	int listener;           /* a listening unix socket, in no slot */
	char lpath[512];        /* its address */
	int closed_fd;          /* the number FZ_CLOSE freed last, or -1 */
};

/* The result of one operation in one world. */
struct fz_res {
	long rc;
	int err;                /* errno when rc == -1 */
	long aux;               /* a second count (bytes before EAGAIN, ...) */
	int nev;
	struct fz_ev ev[FZ_FULL];
};

void fz_world_init(struct fz_world *w, const struct fz_api *api, char tag);
void fz_world_close(struct fz_world *w);
/* Apply a non-epoll step (and FZ_EPOLL). */
void fz_world_apply(struct fz_world *w, const struct fz_step *st,
    struct fz_res *r);
/* epoll_ctl / one epoll wait on operand slots. */
void fz_world_ctl(struct fz_world *w, const struct fz_step *st,
    struct fz_res *r);
void fz_world_wait(struct fz_world *w, int epslot, int maxevents, int api,
    bool nullbuf, struct fz_res *r);
/* Directory for FIFOs and files; once per process. */
void fz_objects_setup(void);

/* ---- model.c ---- */
enum fz_kind {
	FZ_K_NONE,
	FZ_K_PIPE_R, FZ_K_PIPE_W,
	FZ_K_FIFO_R, FZ_K_FIFO_W, FZ_K_FIFO_RW,
	FZ_K_STREAM, FZ_K_DGRAM, FZ_K_SEQPACKET,
	FZ_K_EPOLL,
	FZ_K_FILE,
	FZ_K_COUNT
};

struct fz_mslot {
	uint8_t kind;
	int file;               /* open file description id; dups share it */
};

struct fz_mreg {
	int ep;                 /* the instance's file id */
	int file;               /* the registered file */
	int slot;               /* and the number (slot) it was added under */
	uint32_t events;
	uint64_t data;
};

struct fz_model {
	struct fz_mslot s[FZ_NSLOTS];
	struct fz_mreg reg[FZ_MAXREG];
	int nreg;
	int next_file;
	/* The number the last FZ_CLOSE freed is free still: no descriptor
	 * has been made since (FZ_OPD_CLOSED may name it). */
	bool closed_free;
	/* every data value a registration got, so that each is unique */
	uint64_t *used;
	size_t nused, capused;
};

/* Feature switches: what a campaign may generate.  A divergence that is
 * pending a fix can be kept out of a campaign by switching its trigger off
 * (see tests/fuzz/pending/README). */
#define FZ_FEAT_EPOLL_DUP 0x01  /* an epoll fd reached by another number */
#define FZ_FEAT_NULLBUF   0x02  /* epoll_wait with a NULL events buffer */
#define FZ_FEAT_OOB       0x04  /* MSG_OOB on unix stream sockets */
#define FZ_FEAT_FIFO      0x08
#define FZ_FEAT_NEST      0x10  /* epoll fds registered in epoll fds */
#define FZ_FEAT_ODD_EPFD  0x20  /* epoll_ctl on a non-epoll descriptor */
#define FZ_FEAT_CYCLE     0x40  /* the fairness check (FZ_CYCLE) */
#define FZ_FEAT_SMALL_MAX 0x80  /* waits with maxevents below FZ_FULL */
#define FZ_FEAT_KNOTELESS 0x100 /* epoll fds without EPOLLIN, O_RDWR FIFOs
                                   without in/out bits (no knote at all) */
#define FZ_FEAT_ET_WAKEUP 0x200 /* EPOLLET on a socket or O_RDWR FIFO watched
                                   in both directions (README: differences) */
#define FZ_FEAT_NEST_ET   0x400 /* EPOLLET on a nested epoll fd (README) */
#define FZ_FEAT_ET_READD  0x800 /* EPOLL_CTL_ADD of a descriptor registered
                                   edge-triggered (README) */
#define FZ_FEAT_ET_HIDDEN 0x1000 /* EPOLLET on a socket without EPOLLIN or
                                    EPOLLOUT (README) */
#define FZ_FEAT_PIPE_REOPEN 0x2000 /* a pipe opened again by path (Linux) */
#define FZ_FEAT_ACCEPT    0x4000 /* accept() onto a just-closed number */
#define FZ_FEAT_DEL_CLOSED 0x8000 /* epoll_ctl on a closed number (EBADF) */
#define FZ_FEAT_SHUT_RDWR 0x10000 /* shutdown(SHUT_RDWR) */
#define FZ_FEAT_MULTI_EP  0x20000 /* ADD of a descriptor another instance
                                     watches */
#define FZ_FEAT_ALL       0x3ffff

void fz_model_init(struct fz_model *m);
void fz_model_free(struct fz_model *m);
/* Can the step run on this state?  A step that cannot is skipped. */
bool fz_model_valid(const struct fz_model *m, const struct fz_step *st);
/* May slot s be closed (or replaced)?  See the rule in model.c. */
bool fz_model_close_ok(const struct fz_model *m, int s);
/* Update after the step ran; `linux` is the oracle's result. */
void fz_model_update(struct fz_model *m, const struct fz_step *st,
    const struct fz_res *linux_res);
int fz_model_refs(const struct fz_model *m, int file);
/* Does an instance other than `ep` watch the file? */
bool fz_model_watched_elsewhere(const struct fz_model *m, int ep, int file);
const struct fz_mreg *fz_model_reg_by_data(const struct fz_model *m,
    uint64_t data);
bool fz_model_data_used(const struct fz_model *m, uint64_t data);
void fz_model_note_data(struct fz_model *m, uint64_t data);

/* ---- feats.c ---- */
/* Does the step stay inside what a campaign with these features
 * generates?  (The generator's rules, for the shrinker.) */
bool fz_feats_allow(const struct fz_model *m, unsigned feats,
    const struct fz_step *st);

/* ---- gen.c ---- */
struct fz_src {
	uint64_t s[4];          /* xoshiro256** state */
	const uint8_t *bytes;   /* or fuzzer input */
	size_t len, pos;
	bool exhausted;
};
void fz_src_seed(struct fz_src *src, uint64_t seed);
void fz_src_bytes(struct fz_src *src, const uint8_t *p, size_t len);
uint32_t fz_pick(struct fz_src *src, uint32_t n);
uint64_t fz_pick64(struct fz_src *src);
/* A valid step for the model's state; false when the source is exhausted. */
bool fz_gen_step(struct fz_src *src, struct fz_model *m, unsigned feats,
    struct fz_step *st);

/* ---- run.c ---- */
struct fz_run {
	struct fz_model m;
	struct fz_world w[2];   /* [0] Linux, [1] epollkq */
	long steps, skipped;
	char why[8192];         /* the divergence, when there is one */
};
/* The second world: epollkq, or Linux again to test the fuzzer itself
 * (any divergence between Linux and Linux is the harness's fault). */
extern const struct fz_api *fz_second_api;
extern bool fz_trace;   /* print each step and Linux's result to stderr */
void fz_run_init(struct fz_run *run);
void fz_run_fini(struct fz_run *run);
/* 0: same results; 1: divergence (run->why); -1: skipped (invalid). */
int fz_run_step(struct fz_run *run, const struct fz_step *st);
/* Run a whole sequence on fresh worlds; index of the diverging step or -1;
 * -2 when a step falls outside `feats` (FZ_FEAT_ALL: no such check). */
long fz_run_seq(const struct fz_step *seq, size_t n, unsigned feats,
    char *why, size_t whylen);

/* ---- text.c ---- */
void fz_step_print(FILE *f, const struct fz_step *st);
int fz_step_parse(const char *line, struct fz_step *st);
/* A whole file: steps into *seq (malloc'd), count into *n; -1 on error
 * (message on stderr). */
int fz_seq_load(const char *path, struct fz_step **seq, size_t *n);
void fz_seq_print(FILE *f, const struct fz_step *seq, size_t n);

/* ---- shrink.c ---- */
/* Shrink seq[0..*n) in place to a smaller sequence that still diverges
 * (each candidate runs in a child process). */
void fz_shrink(struct fz_step *seq, size_t *n, unsigned feats);
/* Does the sequence diverge?  Run in a child; crashes count; a sequence
 * with a step outside `feats` does not. */
bool fz_diverges_isolated(const struct fz_step *seq, size_t n, unsigned feats,
    char *why, size_t whylen);

/* Masks as text ("in|out|et|0x800"). */
const char *fz_mask_str(uint32_t mask, char *buf, size_t len);

#endif
