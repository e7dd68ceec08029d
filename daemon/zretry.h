/*
 * zretry.h - ZeroMQ sends and receives that a signal does not cut short.
 *
 * zmq_send(), zmq_msg_send() and zmq_msg_recv() check the socket's
 * command mailbox first, with a poll() of timeout 0 even under
 * ZMQ_DONTWAIT; a signal handler that runs meanwhile makes the call fail
 * with EINTR before the frame was queued or taken. Nothing happened, so
 * the right answer is to try again: a caller that read EINTR as "sent"
 * acknowledged an annotation that was never published, and one that read
 * it as "peer gone" never gave a live worker work again (see serve.c,
 * setup_signals, for why the master no longer runs handlers at all; these
 * keep the sends right whatever a future signal set-up does).
 *
 * Same arguments and results as the ZeroMQ calls they wrap.
 */
#ifndef NERD_ZRETRY_H
#define NERD_ZRETRY_H

#include <errno.h>
#include <stddef.h>

#include <zmq.h>

static inline int zr_send(void *sock, const void *buf, size_t len, int flags)
{
	int rc;
	while ((rc = zmq_send(sock, buf, len, flags)) == -1 &&
	    zmq_errno() == EINTR)
		;
	return rc;
}

/* On success ZeroMQ owns msg's content; on failure the caller still does. */
static inline int zr_msg_send(zmq_msg_t *msg, void *sock, int flags)
{
	int rc;
	while ((rc = zmq_msg_send(msg, sock, flags)) == -1 &&
	    zmq_errno() == EINTR)
		;
	return rc;
}

static inline int zr_msg_recv(zmq_msg_t *msg, void *sock, int flags)
{
	int rc;
	while ((rc = zmq_msg_recv(msg, sock, flags)) == -1 &&
	    zmq_errno() == EINTR)
		;
	return rc;
}

#endif
