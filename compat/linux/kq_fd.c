/* kq_fd.c: in progress */
