/*
 * The libFuzzer entry point (clang -fsanitize=fuzzer; `make fuzz-libfuzzer`
 * builds it, never `make check`).  The input bytes are the generator's
 * choices (fz_src_bytes): libFuzzer's mutations become other operations
 * and operands, and every input is a valid sequence.  The sequence runs
 * on both worlds in this process; a divergence prints what differed and
 * the sequence in the text format (save it under tests/fuzz/pending/ and
 * shrink it with `fuzz --replay`), then aborts, so libFuzzer keeps the
 * input.  FZ_PRINT=1 in the environment prints each input's sequence.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fz.h"

#define FZ_LF_MAX_STEPS 400

/* README's differences are left out, as in make check's campaign
 * (tests/fuzz/pending/WITHOUT); FZ_ALL=1 in the environment keeps them. */
#define FZ_LF_DIFFERENCES (FZ_FEAT_EPOLL_DUP | FZ_FEAT_ET_WAKEUP | \
    FZ_FEAT_ET_HIDDEN | FZ_FEAT_ET_READD | FZ_FEAT_NEST_ET | \
    FZ_FEAT_PIPE_REOPEN)

static unsigned
features(void)
{
	const char *all = getenv("FZ_ALL");
	if (all != NULL && all[0] == '1')
		return FZ_FEAT_ALL;
	return FZ_FEAT_ALL & ~(unsigned)FZ_LF_DIFFERENCES;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_run run;
	static struct fz_step seq[FZ_LF_MAX_STEPS];
	struct fz_src src;
	fz_src_bytes(&src, data, size);
	fz_run_init(&run);
	size_t n = 0;
	int rc = 0;
	while (n < FZ_LF_MAX_STEPS && rc != 1) {
		if (!fz_gen_step(&src, &run.m, features(), &seq[n]))
			break;
		rc = fz_run_step(&run, &seq[n]);
		n++;
	}
	const char *print = getenv("FZ_PRINT");
	if (rc == 1 || (print != NULL && print[0] == '1')) {
		if (rc == 1)
			fprintf(stderr, "fuzz: DIVERGENCE\n%s", run.why);
		fprintf(stderr, "fuzz: sequence (%zu steps):\n", n);
		fz_seq_print(stderr, seq, n);
	}
	fz_run_fini(&run);
	if (rc == 1)
		abort();
	return 0;
}
