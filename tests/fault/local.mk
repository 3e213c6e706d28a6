# Fault-injection sweep (tests/fault/): see its README.
# Every epoll call of each scenario is run once per fault point it passes,
# with that point failing, against the fault-injection build of the
# library; fault.h says what each outcome is checked for.
check_PROGRAMS += tests/fault/fault-sweep
TESTS += tests/fault/fault-sweep
tests_fault_fault_sweep_SOURCES = \
	tests/fault/fault.h \
	tests/fault/harness.c \
	tests/fault/main.c \
	tests/fault/create.c \
	tests/fault/ctl.c \
	tests/fault/wait.c \
	tests/fault/fork.c \
	tests/fault/fdtypes.c
tests_fault_fault_sweep_CPPFLAGS = -I$(top_srcdir)/include \
	-I$(top_srcdir)/tests/common
tests_fault_fault_sweep_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_fault_fault_sweep_LDADD = tests/fault/libepollkq-fault.la \
	tests/common/libekqtest.la $(CHECK_LIBS)
EXTRA_DIST += tests/fault/README.md
