/*
 * Stress runs.  Written against the epoll API and POSIX only, and built
 * twice like tests/epoll/: against the host's own epoll (the oracle: each
 * assertion holds there too) and against epollkq.
 */
#ifndef EKQ_ST_H
#define EKQ_ST_H

#include "ekq_test.h"

#include <stdint.h>
#include <sys/epoll.h>

Suite *st_threads_suite(void);
Suite *st_nofile_suite(void);
Suite *st_churn_suite(void);
Suite *st_fork_suite(void);

int st_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/* A whole-number setting from the environment, or `dflt`. */
long st_env(const char *name, long dflt);

#endif
