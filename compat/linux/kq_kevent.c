/* kq_kevent.c: in progress */
