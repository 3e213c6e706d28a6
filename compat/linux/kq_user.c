/* kq_user.c: in progress */
