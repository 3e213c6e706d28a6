# The differential fuzzer (tests/fuzz/): random operation sequences on the
# kernel's epoll and on epollkq, in one process, every result compared.
# world.c is compiled twice -- against the system's <sys/epoll.h> and with
# -I include against ours -- into two convenience libraries.
check_LTLIBRARIES += tests/fuzz/libfz-linux.la tests/fuzz/libfz-ekq.la
tests_fuzz_libfz_linux_la_SOURCES = tests/fuzz/world.c tests/fuzz/fz.h
tests_fuzz_libfz_linux_la_CPPFLAGS = -DFZ_WORLD_LINUX
tests_fuzz_libfz_ekq_la_SOURCES = tests/fuzz/world.c tests/fuzz/fz.h
tests_fuzz_libfz_ekq_la_CPPFLAGS = -DFZ_WORLD_EKQ -I$(top_srcdir)/include

EKQ_FUZZ_CORE = \
	tests/fuzz/fz.h \
	tests/fuzz/objects.c \
	tests/fuzz/model.c \
	tests/fuzz/gen.c \
	tests/fuzz/feats.c \
	tests/fuzz/run.c \
	tests/fuzz/text.c \
	tests/fuzz/shrink.c

check_PROGRAMS += tests/fuzz/fuzz
tests_fuzz_fuzz_SOURCES = $(EKQ_FUZZ_CORE) tests/fuzz/main.c
tests_fuzz_fuzz_LDADD = tests/fuzz/libfz-linux.la tests/fuzz/libfz-ekq.la \
	libepollkq.la

# make check: a fixed-seed campaign (>= 100,000 steps), the same against
# Linux in both worlds (the harness's own test), and every saved regression.
TESTS += tests/fuzz/campaign.sh tests/fuzz/selfcheck.sh tests/fuzz/regressions.sh
EXTRA_DIST += tests/fuzz/campaign.sh tests/fuzz/selfcheck.sh \
	tests/fuzz/regressions.sh tests/fuzz/libfuzzer.c \
	tests/fuzz/regressions tests/fuzz/pending

# make fuzz [STEPS=n] [SEED=s] [LEN=l] [WITHOUT=features]: a longer
# campaign; reproducers are saved in tests/fuzz/pending/.
fuzz: tests/fuzz/fuzz
	@steps='$(STEPS)'; seed='$(SEED)'; len='$(LEN)'; without='$(WITHOUT)'; \
	./tests/fuzz/fuzz --steps $${steps:-1000000} \
	    --seed $${seed:-`date +%s`} --len $${len:-1000} \
	    $${without:+--without $$without} --keep-going \
	    --save $(top_srcdir)/tests/fuzz/pending

# make fuzz-pending: which saved divergences are still there.
fuzz-pending: tests/fuzz/fuzz
	./tests/fuzz/fuzz --pending $(top_srcdir)/tests/fuzz/pending/*.seq

# make fuzz-libfuzzer: the libFuzzer build (clang; not part of make check),
# with the library and compat/ compiled in for coverage.  Run it as
#   tests/fuzz/fuzz-libfuzzer -max_len=4096 [corpus-dir]
FUZZ_CLANG = clang
FUZZ_LF_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -pthread -I$(top_builddir) \
	-I$(top_srcdir)/tests/fuzz
fuzz-libfuzzer:
	$(FUZZ_CLANG) $(FUZZ_LF_FLAGS) -DFZ_WORLD_LINUX \
	    -c $(top_srcdir)/tests/fuzz/world.c -o tests/fuzz/lf-world-linux.o
	@# compat/ is built against the system's <sys/epoll.h>, the rest
	@# against ours, as in the library itself; lib/export.c (the plain
	@# epoll_* names) is left out, or compat/'s calls would bind to it.
	@objs=; for f in $(compat_libekqcompat_la_SOURCES); do \
	    case $$f in *.c) ;; *) continue;; esac; \
	    o=tests/fuzz/lf-`echo $$f | tr / -`.o; \
	    $(FUZZ_CLANG) $(FUZZ_LF_FLAGS) $(compat_libekqcompat_la_CPPFLAGS) \
	        -c $(top_srcdir)/$$f -o $$o || exit 1; objs="$$objs $$o"; done; \
	srcs=; for f in $(EKQ_LIB_SOURCES) $(EKQ_FUZZ_CORE) \
	    tests/fuzz/libfuzzer.c tests/fuzz/world.c; do \
	    case $$f in lib/export.c) ;; *.c) srcs="$$srcs $(top_srcdir)/$$f";; \
	    esac; done; \
	echo "$(FUZZ_CLANG) ... -o tests/fuzz/fuzz-libfuzzer"; \
	$(FUZZ_CLANG) $(FUZZ_LF_FLAGS) -DFZ_WORLD_EKQ -I$(top_srcdir)/include \
	    -I$(top_srcdir)/lib $(EKQ_KQUEUE_CPPFLAGS) \
	    -o tests/fuzz/fuzz-libfuzzer $$srcs $$objs tests/fuzz/lf-world-linux.o

CLEANFILES += tests/fuzz/fuzz-libfuzzer tests/fuzz/lf-*.o

.PHONY: fuzz fuzz-pending fuzz-libfuzzer
