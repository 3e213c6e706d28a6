/* kq_instance.c: in progress */
#include "config.h"
#include <errno.h>
#include "kq.h"
int kqueue(void) { errno = ENOSYS; return -1; }
int kqueue1(int flags) { (void)flags; errno = ENOSYS; return -1; }
int kevent(int kq, const struct kevent *c, int nc, struct kevent *e, int ne, const struct timespec *t) { (void)kq;(void)c;(void)nc;(void)e;(void)ne;(void)t; errno = ENOSYS; return -1; }
