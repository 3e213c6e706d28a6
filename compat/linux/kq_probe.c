/* kq_probe.c: in progress */
